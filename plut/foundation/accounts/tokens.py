"""Signed links sent to owners by email: verifying an address, and signing in without a password.

Both are stateless: nothing is stored until the link is used.

- The verification link carries the user and the address it was sent to, signed with
  ``django.core.signing``. It works for three days and is harmless to open twice.
- The sign-in link mirrors Django's password-reset token: its hash covers the password and
  ``last_login``, so signing in with it (which moves ``last_login``) spends it. It works for
  fifteen minutes.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.http import base36_to_int

from plut.foundation.accounts.models import User

VERIFY_EMAIL_SALT = "accounts.verify-email"
VERIFY_EMAIL_MAX_AGE = datetime.timedelta(days=3)
MAGIC_LINK_TIMEOUT_SECONDS = 15 * 60


def email_verification_token(*, user_pk: int, email: str) -> str:
    return signing.dumps({"u": user_pk, "e": email.lower()}, salt=VERIFY_EMAIL_SALT, compress=True)


def email_verification_read(token: str) -> tuple[int, str]:
    """The user id and address a verification link was made for.

    Raises ``signing.SignatureExpired`` for a genuine link older than three days and
    ``signing.BadSignature`` for a forged or damaged one.
    """
    data: Any = signing.loads(token, salt=VERIFY_EMAIL_SALT, max_age=VERIFY_EMAIL_MAX_AGE)
    try:
        return int(data["u"]), str(data["e"])
    except (TypeError, KeyError, ValueError) as error:
        # Signed by us but not in this shape: treat it as damaged, never as a crash.
        raise signing.BadSignature("malformed verification token") from error


class MagicLinkTokenGenerator(PasswordResetTokenGenerator):
    """A one-time sign-in token, valid for fifteen minutes.

    The parent checks the signature and the user state (password, last_login, email) and its
    own PASSWORD_RESET_TIMEOUT (days); the shorter limit is checked here on top of it.
    """

    key_salt = "plut.foundation.accounts.tokens.MagicLinkTokenGenerator"
    timeout = MAGIC_LINK_TIMEOUT_SECONDS

    def check_token(self, user: User | None, token: str | None) -> bool:
        if token is None or not super().check_token(user, token):
            return False
        # The parent has already parsed the timestamp, so this cannot fail.
        issued = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - issued <= self.timeout


magic_link_token_generator = MagicLinkTokenGenerator()
