"""Every string a reader sees reaches the message catalogue.

`make messages` extracts strings from Python and from templates (.html and .txt), and
tests/plut/test_translations.py fails on any of them left untranslated. Two places would slip
past it: text typed into JavaScript, and words typed outside {% translate %} in plain-text
templates (emails, WhatsApp and SMS texts). These tests close both.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.urls import reverse
from django.utils import translation

SCRIPTS = sorted((settings.BASE_DIR / "static" / "js").rglob("*.js"))
TEXT_TEMPLATES = sorted(
    path
    for root in [settings.BASE_DIR / "templates"]
    + [settings.BASE_DIR / app for app in ("clinics", "cooperatives", "mentoring", "plut")]
    for path in root.rglob("*.txt")
    if "templates" in path.parts
)

_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.S)
_LITERAL = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`")
# Two words in a row is prose; selectors ("#chosen .chip"), event names and URLs are not.
_PROSE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")
_CODE_LIKE = re.compile(r"^[#.\[]|[\[\]=>{}]")


# Selectors handed to the DOM ("main table") read like words but are code.
_SELECTOR_CALL = re.compile(
    r"""\b(?:querySelector(?:All)?|closest|matches)\(\s*(["'`]).*?\1\s*\)"""
)


def prose_in_script(source: str) -> list[str]:
    source = _SELECTOR_CALL.sub("", _COMMENT.sub("", source))
    found = []
    for match in _LITERAL.finditer(source):
        text = next(group for group in match.groups() if group is not None)
        if text == "use strict":
            continue
        words = re.sub(r"\$\{[^}]*\}", " ", text)  # a template literal's ${...} parts
        if _PROSE.search(words) and not _CODE_LIKE.search(words):
            found.append(text)
    return found


# Names that read the same in every language may stand untranslated ("PLUT: ...").
_NAMES = re.compile(r"\b(PLUT|KUMKM|UMKM|WIB|WITA|WIT|NIB)\b")


def untranslated_text(source: str) -> list[str]:
    """Words in a template outside {% translate %} / {% blocktranslate %} and comments."""
    found = []
    inside = None  # the tag that closes the block we are in
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if inside is None and name in ("blocktranslate", "blocktrans"):
                inside = "end" + name
            elif inside is None and name == "comment":
                inside = "endcomment"
            elif name == inside:
                inside = None
        elif (
            token.token_type == TokenType.TEXT
            and inside is None
            and re.search(r"[^\W\d_]{2,}", _NAMES.sub("", token.contents))
        ):
            found.append(token.contents.strip())
    return found


def test_the_checks_see_what_they_look_for():
    # Guards the tests below against a pattern that silently finds nothing.
    assert prose_in_script('box.textContent = "Draf tersimpan di perangkat ini.";') == [
        "Draf tersimpan di perangkat ini."
    ]
    assert prose_in_script("el.querySelector('#chosen .chip'); // a comment, not text") == []
    assert prose_in_script('document.querySelectorAll("main table")') == []
    assert prose_in_script("status(`Sesi ${n} terkirim`)") == ["Sesi ${n} terkirim"]
    assert untranslated_text("{% load i18n %}Halo {{ name }},\n{% translate 'Salam' %}") == ["Halo"]
    assert untranslated_text("{% blocktranslate %}Halo {{ name }}{% endblocktranslate %}") == []
    assert untranslated_text("PLUT: {{ text }}") == []
    assert len(SCRIPTS) >= 2 and len(TEXT_TEMPLATES) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_hold_no_text_of_their_own(script: Path):
    # Scripts take their words from the page (data-* attributes rendered with {% translate %}).
    found = prose_in_script(script.read_text(encoding="utf-8"))
    assert not found, f"{script.name}: move these into a template's data-* attributes: {found}"


@pytest.mark.parametrize(
    "template", TEXT_TEMPLATES, ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_plain_text_templates_translate_every_word(template: Path):
    found = untranslated_text(template.read_text(encoding="utf-8"))
    assert not found, f"{template.name}: text outside {{% translate %}}: {found}"


@pytest.mark.django_db
def test_the_session_forms_status_messages_come_from_the_page_in_the_readers_language(
    client, world
):
    script = settings.BASE_DIR / "static" / "js" / "session_form.js"
    names = set(re.findall(r'status\("(\w+)"\)', script.read_text(encoding="utf-8")))
    assert {"draftSaved", "queued", "synced", "offline"} <= names
    world.a.consultant.language = "en"
    world.a.consultant.save()
    client.force_login(world.a.consultant)
    page = client.get(reverse("mentoring:session_create")).content.decode()
    status = re.search(r'<p id="draft-status"[^>]*>', page).group(0)
    for name in names:
        attribute = "data-" + re.sub(r"([A-Z])", r"-\1", name).lower()
        assert re.search(rf'{attribute}="[^"]+"', status), (
            f"session_form.js shows {name!r} but the page has no {attribute}"
        )
    queued = "Tidak ada sinyal: sesi disimpan di perangkat dan akan dikirim otomatis saat online."
    with translation.override("en"):
        assert f'data-queued="{translation.gettext(queued)}"' in status
