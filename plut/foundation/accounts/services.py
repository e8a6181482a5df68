"""Writes for owner accounts: signing up, proving an email address, signing in by link.

An owner who booked before having an account already has a ``cooperatives.Person`` (made by
the booking, or by a centre's staff) with their email on it. Once they prove they read that
address, ``owner_email_verified`` lets cooperatives link the Person to the account, and the
owner scope shows its enterprises, bookings, sessions and outcomes. Only a proven email links
anything: a phone number cannot be proven yet (no SMS or WhatsApp gateway), so a phone alone never
does.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from plut.foundation.accounts.models import ConsentText, Role, User
from plut.foundation.accounts.signals import owner_email_verified
from plut.foundation.accounts.tokens import email_verification_token, magic_link_token_generator


def owner_signup(
    *,
    email: str,
    name: str,
    password: str,
    consent: ConsentText,
    language: str = settings.LANGUAGE_CODE,
    now: datetime.datetime | None = None,
) -> User:
    """A new owner account, signed in by its email, with the email not yet verified.

    The username is the email in lower case, so the database's unique username settles two
    sign-ups racing with the same address.
    """
    email = email.strip().lower()
    user = User(
        username=email,
        email=email,
        # Many Indonesians have one name, or a name that does not split into given and family
        # names: the whole name goes into first_name, shown as typed.
        first_name=name.strip(),
        role=Role.OWNER,
        is_active=True,
        consent=consent,
        consent_at=now or timezone.now(),
        # The language they signed up in is the one they read: pages and emails follow it.
        language=language,
    )
    user.set_password(password)
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ValidationError(_("Email ini sudah terdaftar.")) from error
    return user


def _accounts_with(email: str) -> QuerySet[User]:
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))


def owner_signup_request(
    *,
    email: str,
    name: str,
    password: str,
    consent: ConsentText,
    language: str = settings.LANGUAGE_CODE,
) -> User | None:
    """Open an owner account and email the verification link, or, when the address already
    has an account, email its owner that someone tried to sign up with it; None then.

    The sign-up page answers the same in both cases, so it cannot be used to learn who is
    registered: only the mailbox's owner reads which it was. Both paths hash the password and
    send one email, so the time taken tells little either.
    """
    email = email.strip().lower()
    if not _accounts_with(email).exists():
        try:
            user = owner_signup(
                email=email, name=name, password=password, consent=consent, language=language
            )
        except ValidationError:
            if not _accounts_with(email).exists():
                raise
            # Another sign-up with this address won the race: as if it had been there before.
        else:
            owner_verification_email_send(user=user)
            return user
    make_password(password)
    login_url = settings.SITE_URL + reverse("login")
    reset_url = settings.SITE_URL + reverse("password_reset")
    for existing in _accounts_with(email).exclude(email=""):
        _send(
            user=existing,
            template="signup_attempt",
            context={"login_url": login_url, "reset_url": reset_url},
        )
    return None


def owner_email_verify(*, user: User, email: str, now: datetime.datetime | None = None) -> int:
    """Mark ``email`` verified for ``user`` and link their past records; how many were linked.

    ``email`` is the address the link was sent to: if the account's address changed since,
    the old link proves nothing about the new one.
    """
    if not user.email or user.email.lower() != email.strip().lower():
        raise ValidationError(_("Tautan ini dibuat untuk alamat email lain."))
    with transaction.atomic():
        if user.email_verified_at is None:
            user.email_verified_at = now or timezone.now()
            user.save(update_fields=["email_verified_at"])
        # Whoever keeps the owner's past records links them (cooperatives.receivers).
        answers: list[tuple[Any, Any]] = owner_email_verified.send(
            sender=User, user=user, email=user.email
        )
        linked: int = sum(count for _receiver, count in answers)
        return linked


def _send(*, user: User, template: str, context: dict[str, object]) -> None:
    context = {"user": user, **context}
    # In the recipient's language, not the language of whoever triggered the email.
    with translation.override(user.language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(subject, body, None, [user.email])


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language ``user`` chose with the switch (pages after login, emails)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Bahasa tidak tersedia.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def owner_verification_email_send(*, user: User) -> None:
    """Email the owner a link that proves they read their address."""
    token = email_verification_token(user_pk=user.pk, email=user.email)
    url = settings.SITE_URL + reverse("accounts:verify_email", args=[token])
    _send(user=user, template="verify_email", context={"url": url})


def _magic_link_url(user: User, generator: PasswordResetTokenGenerator) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + reverse(
        "accounts:magic_link_login", args=[uidb64, generator.make_token(user)]
    )


def owner_magic_link_request(*, email: str) -> int:
    """Email a one-time sign-in link to each active owner with this verified address.

    Returns how many were sent, for tests and logs: the page shown must not depend on it.
    A link goes only to a verified address, so an account someone opened with another
    person's email cannot be used to reach that person's records.
    """
    owners = User.objects.filter(
        email__iexact=email.strip(),
        role=Role.OWNER,
        is_active=True,
        email_verified_at__isnull=False,
    )
    sent = 0
    for user in owners:
        url = _magic_link_url(user, magic_link_token_generator)
        _send(user=user, template="magic_link", context={"url": url})
        sent += 1
    return sent


def owner_magic_link_used(*, user: User, now: datetime.datetime | None = None) -> int:
    """After a sign-in link worked: the owner read that mailbox, so the address is verified.

    Also links any Person made since the last time (a booking at another centre); returns
    how many were linked.
    """
    return owner_email_verify(user=user, email=user.email, now=now)


def user_sessions_end_all(*, user: User) -> None:
    """End every session of this user on every device ("keluar dari semua perangkat").

    Raising the generation changes the user's session hash (User._get_session_auth_hash), so
    each session still carrying the old hash is refused on its next request. Works with any
    session engine, without searching the session store.
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
