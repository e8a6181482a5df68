"""Refusals a service raises that the layers above it turn into answers, without knowing the
service: the API (``plut.foundation.rest.exceptions``) answers a ``Conflict`` with 409 and its
message, so the foundation never imports the domain app that raised it."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Conflict(Exception):
    """A write lost a race: what it meant to take or change was taken or changed a moment ago
    by someone else. Subclasses say what, in ``message``."""

    message: str | Promise = _("Data ini baru saja diubah orang lain. Muat ulang dan coba lagi.")

    def __str__(self) -> str:
        return str(self.message)
