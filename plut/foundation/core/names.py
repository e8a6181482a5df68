"""Names people and businesses are known by: typed or imported text shown to others.

A name is shown in lists, exports, emails and dashboards. Invisible characters that reorder
text (bidirectional overrides and isolates) or hide it (zero-width characters, the byte-order
mark) let one name pass for another ("Budi" + U+202E + "ittoS" shows as "BudiSotti"), so
they are refused.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# U+200B-U+200F zero-width space/joiners and the LTR/RTL marks, U+202A-U+202E embeddings and
# overrides, U+2060 word joiner, U+2066-U+2069 isolates, U+FEFF the zero-width no-break space.
HIDDEN_CHARACTERS = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def validate_name(value: str) -> None:
    found = HIDDEN_CHARACTERS.search(value or "")
    if found:
        raise ValidationError(
            _(
                "Nama ini memuat karakter tak terlihat (%(code)s) yang dapat membalik atau "
                "menyembunyikan tulisan. Hapus karakter itu, atau ketik ulang namanya."
            ),
            code="hidden_character",
            params={"code": f"U+{ord(found.group()):04X}"},
        )


def names_validate(instance: models.Model, *fields: str) -> None:
    """``validate_name`` on each field of ``instance``, errors keyed by field (for ``clean``)."""
    errors = {}
    for field in fields:
        try:
            validate_name(getattr(instance, field))
        except ValidationError as error:
            errors[field] = error
    if errors:
        raise ValidationError(errors)
