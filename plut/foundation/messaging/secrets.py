"""Where a centre's WhatsApp secrets are: a reference, never the secret itself.

A reference names a secret the server's administrator put there *for that centre*:

- ``env:MESSAGING_WHATSAPP_CENTRE_<centre id>_<NAME>``, an environment variable
  (``env:MESSAGING_WHATSAPP_CENTRE_12_TOKEN``), read once per process: a change needs a restart;
- ``file:<MESSAGING_SECRETS_DIR>/<centre id>/<name>``, a file in the centre's own directory
  (``file:/run/secrets/whatsapp/12/token``), as Docker and Kubernetes mount secrets; read at
  each use, so a renewed token needs no restart.

The centre's id in the name is what makes a reference safe to let a manager type: it can name
neither the national sender's settings (``MESSAGING_WHATSAPP_TOKEN``, ``_APP_SECRET``,
``_VERIFY_TOKEN``: a manager who knows one could sign receipts for every centre), nor the
portal's own secrets (``SECRET_KEY``, ``DATABASE_URL``, ``/run/secrets/secret_key``), nor
another centre's. What a reference names is sent to Meta as a credential or trusted to sign
webhooks, so a reference that breaks these rules is refused when saved *and* when read (a row
saved under older rules names nothing).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ENV_PREFIX = "MESSAGING_WHATSAPP_CENTRE_"
_ENV_NAME = re.compile(rf"^{ENV_PREFIX}([0-9]+)_[A-Z0-9_]*[A-Z0-9]$")
_CENTRE_DIR = re.compile(r"[0-9]+")


class SecretMissing(Exception):
    """The reference is well formed but names nothing (unset variable, missing file)."""


def _root() -> Path:
    return Path(settings.MESSAGING_SECRETS_DIR).resolve()


def _invalid() -> ValidationError:
    return ValidationError(
        _(
            "Tulis letak rahasianya, bukan rahasianya: env:%(prefix)s<id PLUT>_NAMA atau "
            "file:%(dir)s/<id PLUT>/berkas."
        ),
        params={"prefix": ENV_PREFIX, "dir": _root()},
        code="invalid",
    )


def _owner(value: str) -> tuple[str, str, int]:
    """(kind, target, the centre id the reference belongs to); ValidationError otherwise."""
    kind, _sep, target = value.partition(":")
    if kind == "env":
        match = _ENV_NAME.fullmatch(target)
        if match:
            return kind, target, int(match.group(1))
    elif kind == "file" and target.startswith("/"):
        parts = Path(target).resolve().parts
        root = _root().parts
        # <root>/<centre id>/<file...>: the centre's directory, and something in it.
        if parts[: len(root)] == root and len(parts) > len(root) + 1:
            centre = parts[len(root)]
            if _CENTRE_DIR.fullmatch(centre):
                return kind, target, int(centre)
        raise ValidationError(
            _("Berkas rahasia harus berada di %(dir)s/<id PLUT>/."),
            params={"dir": _root()},
            code="outside",
        )
    raise _invalid()


def secret_ref_validate(value: str) -> None:
    """The form of a reference, whichever centre it names (the field's validator)."""
    _owner(value)


def secret_ref_check(value: str, *, centre_id: int) -> None:
    """A reference this centre may use: well formed and naming the centre's own secret."""
    _kind, _target, owner = _owner(value)
    if owner != centre_id:
        raise ValidationError(
            _("Rahasia ini milik PLUT lain: pakai nama dengan id PLUT ini (%(id)s)."),
            params={"id": centre_id},
            code="other_centre",
        )


def secret_read(reference: str, *, centre_id: int) -> str:
    """The secret a reference of this centre names. ``ValidationError`` when the reference is
    not one this centre may use, ``SecretMissing`` when it names nothing."""
    secret_ref_check(reference, centre_id=centre_id)
    kind, _sep, target = reference.partition(":")
    if kind == "env":
        value = os.environ.get(target, "")
    else:
        try:
            value = Path(target).resolve().read_text(encoding="utf-8")
        except OSError as error:
            raise SecretMissing(reference) from error
    value = value.strip()
    if not value:
        raise SecretMissing(reference)
    return value


def secret_present(reference: str, *, centre_id: int) -> bool:
    try:
        secret_read(reference, centre_id=centre_id)
    except (SecretMissing, ValidationError):
        return False
    return True
