"""The providers' webhooks: WhatsApp (Cloud API) and Twilio call these with delivery receipts
and owners' replies.

They carry no session and no CSRF token, so each is exempt from CSRF *because* it checks the
provider's signature instead, in constant time, before reading anything: WhatsApp's
``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret), Twilio's
``X-Twilio-Signature`` (HMAC-SHA1 of the URL and the sorted parameters with the auth token).
Unsigned or badly signed: 403. Providers repeat webhooks; what they say is applied
idempotently (``receipts.py``). Nothing is logged of the numbers or the texts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from plut.foundation.messaging.models import WhatsAppSender
from plut.foundation.messaging.receipts import (
    twilio_reply_record,
    twilio_status_record,
    whatsapp_events_record,
)
from plut.foundation.messaging.secrets import SecretMissing, secret_read
from plut.foundation.messaging.twilio import twilio_signature

logger = logging.getLogger(__name__)


def _app_secrets() -> list[tuple[str, frozenset[str]]]:
    """Each Meta app secret we trust, with the phone-number ids it may speak for: the national
    app's for the national number and the centres' numbers on the national app; a centre's own
    app's for that centre's number only."""
    senders = list(WhatsAppSender.objects.only("centre_id", "phone_number_id", "app_secret_ref"))
    national = frozenset(
        [settings.MESSAGING_WHATSAPP_PHONE_NUMBER_ID]
        + [sender.phone_number_id for sender in senders if not sender.app_secret_ref]
    )
    secrets = []
    if settings.MESSAGING_WHATSAPP_APP_SECRET:
        secrets.append((settings.MESSAGING_WHATSAPP_APP_SECRET, national - {""}))
    for sender in senders:
        if not sender.app_secret_ref:
            continue
        try:
            secret = secret_read(sender.app_secret_ref, centre_id=sender.centre_id)
        except (SecretMissing, ValidationError):
            continue  # its page says "not found"; its receipts are refused meanwhile
        secrets.append((secret, frozenset({sender.phone_number_id})))
    return secrets


def whatsapp_signed(body: bytes, header: str) -> frozenset[str]:
    """The phone-number ids whose events this body may report: those of the app secrets that
    signed it (none: not signed by any app we know)."""
    scheme, _sep, signature = header.partition("=")
    if scheme != "sha256" or not signature:
        return frozenset()
    numbers: set[str] = set()
    # Every secret is tried (no early exit), each comparison in constant time.
    for secret, covered in _app_secrets():
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if constant_time_compare(digest, signature):
            numbers |= covered
    return frozenset(numbers)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # The subscription handshake: echo the challenge if Meta knows our verify token.
        expected = settings.MESSAGING_WHATSAPP_VERIFY_TOKEN
        if (
            request.GET.get("hub.mode") == "subscribe"
            and expected
            and constant_time_compare(request.GET.get("hub.verify_token", ""), expected)
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden()
    body = request.body  # the raw bytes Meta signed
    numbers = whatsapp_signed(body, request.headers.get("X-Hub-Signature-256", ""))
    if not numbers:
        logger.warning("WhatsApp webhook refused: bad or missing signature")
        return HttpResponseForbidden()
    try:
        payload = json.loads(body)
    except ValueError:
        return HttpResponse(status=400)
    if not isinstance(payload, dict):
        return HttpResponse(status=400)
    whatsapp_events_record(payload, numbers=numbers)
    return HttpResponse(status=200)


def _twilio_signed(request: HttpRequest) -> bool:
    token = settings.MESSAGING_TWILIO_AUTH_TOKEN
    if not token:
        return False
    # The URL Twilio called, as we gave it (SITE_URL: behind the proxy the request's own
    # scheme and host may differ), query string included; every value of every parameter.
    url = settings.SITE_URL + request.get_full_path()
    params = [(name, value) for name, values in request.POST.lists() for value in values]
    return constant_time_compare(
        twilio_signature(url, params, token), request.headers.get("X-Twilio-Signature", "")
    )


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not _twilio_signed(request):
        logger.warning("Twilio status callback refused: bad or missing signature")
        return HttpResponseForbidden()
    twilio_status_record(request.POST.dict(), key=request.GET.get("key", ""))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not _twilio_signed(request):
        logger.warning("Twilio inbound message refused: bad or missing signature")
        return HttpResponseForbidden()
    twilio_reply_record(request.POST.dict())
    # Empty TwiML: no reply of ours (Twilio itself confirms a STOP).
    return HttpResponse("<Response></Response>", content_type="text/xml")
