"""A centre's own WhatsApp number: set by its manager, tried with a test send.

The row keeps where the secrets are (``secrets.py``), never the secrets; the test send shows
the provider's answer (Meta's ``hello_world`` template, which every WhatsApp Business account
has approved) and keeps it on the row, without the number it was sent to, and then the test
message's delivery receipts as they come.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from plut.foundation.core.ratelimit import hit
from plut.foundation.messaging.models import WhatsAppSender
from plut.foundation.messaging.secrets import secret_present
from plut.foundation.messaging.whatsapp import whatsapp_sender_of, whatsapp_test_send

__all__ = [
    "whatsapp_sender_of",
    "whatsapp_sender_secrets_found",
    "whatsapp_sender_set",
    "whatsapp_sender_test",
]

# Test sends per centre per hour: each one is a real message Meta bills and counts.
TEST_SENDS_PER_HOUR = 5


@transaction.atomic
def whatsapp_sender_set(
    *,
    centre_id: int,
    phone_number_id: str,
    display_number: str,
    access_token_ref: str,
    app_secret_ref: str,
    active: bool,
) -> WhatsAppSender:
    sender = whatsapp_sender_of(centre_id) or WhatsAppSender(centre_id=centre_id)
    sender.phone_number_id = phone_number_id
    sender.display_number = display_number
    sender.access_token_ref = access_token_ref
    sender.app_secret_ref = app_secret_ref
    sender.active = active
    sender.full_clean()
    sender.save()
    return sender


def whatsapp_sender_secrets_found(centre_id: int) -> dict[str, bool]:
    """Whether the server has each secret the centre's *saved* sender names (never a value).
    Only the saved references, and only ones of this centre (``secrets.py``): the page cannot
    be used to ask whether any other variable or file exists."""
    sender = whatsapp_sender_of(centre_id)
    if sender is None:
        return {}
    return {
        name: bool(reference) and secret_present(reference, centre_id=centre_id)
        for name, reference in (
            ("access_token_ref", sender.access_token_ref),
            ("app_secret_ref", sender.app_secret_ref),
        )
    }


def whatsapp_sender_test(*, sender: WhatsAppSender, to: str) -> tuple[bool, str]:
    """Send the test template to ``to`` now; (taken?, the provider's answer). At most
    ``TEST_SENDS_PER_HOUR`` per centre."""
    if not hit(f"whatsapp-test:{sender.centre_id}", limit=TEST_SENDS_PER_HOUR, window_seconds=3600):
        return False, gettext("Terlalu banyak pesan uji dalam satu jam; coba lagi nanti.")
    taken, answer, wamid = whatsapp_test_send(row=sender, to=to)
    now = timezone.now()
    WhatsAppSender.objects.filter(pk=sender.pk).update(
        last_test_at=now,
        last_test_result=answer[:500],
        last_test_provider_id=wamid,
        last_test_delivery="",
        last_test_delivery_error="",
        updated_at=now,
    )
    return taken, answer
