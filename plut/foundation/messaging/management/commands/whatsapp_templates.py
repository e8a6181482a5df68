"""Print the WhatsApp templates the portal sends, for submission to Meta (WhatsApp Manager →
Message templates, or the Graph API's ``POST /{WABA-ID}/message_templates``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from plut.foundation.messaging.whatsapp_templates import (
    LANGUAGES,
    TEMPLATES,
    template_submission,
)


class Command(BaseCommand):
    help = "Print the WhatsApp message templates (name, category, parameters, both languages)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json",
            action="store_true",
            help="One Graph API message_templates request body per template and language.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["json"]:
            bodies = [
                template_submission(template, language)
                for template in TEMPLATES.values()
                for language in LANGUAGES
            ]
            self.stdout.write(json.dumps(bodies, ensure_ascii=False, indent=2))
            return
        for template in TEMPLATES.values():
            self.stdout.write(f"{template.name}  ({template.category})")
            for number, parameter in enumerate(template.parameters, start=1):
                self.stdout.write(
                    f"  {{{{{number}}}}} {parameter.name}: {parameter.source}"
                    f"  e.g. {parameter.example}"
                )
            for language in LANGUAGES:
                self.stdout.write(f"  [{language}] {template.text[language]}")
            self.stdout.write("")
