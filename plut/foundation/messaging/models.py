"""The outbox: every message the portal sends, one row each, keyed so it is sent once.

A row is written in the same transaction as the change it tells about (a booking, a logged
session), rendered in the recipient's language. A Celery task then *claims* the row with a
conditional update and sends it; see ``plut.foundation.messaging.services`` and
docs/background-jobs.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.models import ScopePaths, TimestampedModel
from plut.foundation.core.phone import phone_mask
from plut.foundation.core.translation import in_reader_language
from plut.foundation.messaging.secrets import secret_ref_check, secret_ref_validate


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu antrean")
    QUEUED = "queued", _("Dalam antrean")
    SENDING = "sending", _("Sedang dikirim")
    SENT = "sent", _("Terkirim")
    FAILED_TEMPORARY = "failed_temporary", _("Gagal sementara (dicoba lagi)")
    FAILED_PERMANENT = "failed_permanent", _("Gagal permanen")


class DeliveryStatus(models.TextChoices):
    """What the provider reported after taking a message (its delivery receipts). Only moves
    forward: sent < delivered < read; failed ends it (and starts the one fallback)."""

    SENT = "sent", _("Diteruskan penyedia (✓)")
    DELIVERED = "delivered", _("Sampai di ponsel (✓✓)")
    READ = "read", _("Dibaca")
    FAILED = "failed", _("Tidak sampai")


class Message(TimestampedModel):
    # What makes the message unique: "booking:42:reminder-24h". A second queue call with the
    # same key finds this row and does nothing, so every producer may simply retry.
    key = models.CharField(_("kunci"), max_length=200, unique=True)
    kind = models.CharField(_("jenis"), max_length=50)
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("penerima"), max_length=254)
    language = models.CharField(_("bahasa"), max_length=8, default=settings.LANGUAGE_CODE)
    subject = models.CharField(_("subjek"), max_length=300, blank=True)
    body = models.TextField(_("isi"))
    html_body = models.TextField(_("isi HTML"), blank=True)
    # [{"filename", "mimetype", "content" (base64)}]; email only, small files (calendar invites).
    attachments = models.JSONField(_("lampiran"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=MessageStatus.choices,
        default=MessageStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    # Why the last attempt failed, in every language of the site ({"id": ..., "en": ...}): a
    # worker runs in no reader's language. Read it as ``last_error``.
    last_error_texts = models.JSONField(_("galat terakhir"), default=dict, blank=True)
    send_after = models.DateTimeField(_("kirim setelah"), null=True, blank=True)
    queued_at = models.DateTimeField(_("masuk antrean"), null=True, blank=True)
    # A claim is a lease: a worker killed while sending leaves a row in "sending" whose lease
    # runs out, and the sweep hands it to another worker (see docs/background-jobs.md).
    claimed_until = models.DateTimeField(_("diklaim sampai"), null=True, blank=True)
    # Who holds the claim: a worker whose lease ran out cannot overwrite its successor's result.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("coba lagi pada"), null=True, blank=True)
    sent_at = models.DateTimeField(_("terkirim pada"), null=True, blank=True)
    # Indexed: delivery receipts find their message by it (wamid..., SM...).
    provider_id = models.CharField(_("ID penyedia"), max_length=200, blank=True, db_index=True)
    # WhatsApp sends only approved templates (whatsapp_templates.py): its versioned name and
    # parameters, rendered in the recipient's language when queued.
    template_name = models.CharField(_("templat WhatsApp"), max_length=100, blank=True)
    template_parameters = models.JSONField(_("parameter templat"), default=list, blank=True)
    # Where a WhatsApp message that fails goes instead, when no SMS provider is configured.
    fallback_email = models.EmailField(_("email cadangan"), blank=True)
    # The provider's delivery receipts (webhooks), after the outbox's "sent".
    delivery_status = models.CharField(
        _("tanda terima"), max_length=10, choices=DeliveryStatus.choices, blank=True
    )
    delivery_error = models.CharField(_("alasan tidak sampai"), max_length=300, blank=True)
    delivery_updated_at = models.DateTimeField(_("tanda terima pada"), null=True, blank=True)
    # Where the message belongs, for the outbox's scope. The outbox sits below the domain apps
    # (docs/architecture.md): it keeps the centre's id and its province, not a key into the
    # centres' table, so it never depends on clinics. A centre is closed, not deleted; were one
    # deleted, its messages would stay visible to national staff only.
    centre_id = models.BigIntegerField(_("PLUT"), null=True, blank=True)
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provinsi"),
    )
    # The record the message is about ("mentoring.booking:42", about_key()), so deleting that
    # record can withdraw what is still unsent.
    about = models.CharField(_("tentang"), max_length=100, blank=True, db_index=True)

    # Managers see their centre's messages; provincial officers their province's. Owners see
    # none here: what was sent to them they have in their own inbox.
    scope_paths = ScopePaths(province="province", centre="centre_id", owner=None)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pesan keluar")
        verbose_name_plural = _("pesan keluar")
        indexes = [
            models.Index(fields=["centre_id", "-created_at"]),
            models.Index(fields=["status", "queued_at"]),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def last_error(self) -> str:
        """Why the last attempt failed, in the reader's language."""
        return in_reader_language(self.last_error_texts)

    @property
    def recipient_masked(self) -> str:
        """Phones are personal data: lists show enough to recognise one, not to dial it."""
        if self.channel == Channel.EMAIL:
            return self.recipient
        return phone_mask(self.recipient)


class OptOutSource(models.TextChoices):
    WHATSAPP = "whatsapp", _("Balasan WhatsApp")
    SMS = "sms", _("Balasan SMS")
    PROVIDER = "provider", _("Penyedia SMS")


class OptOutChannel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class OptOut(TimestampedModel):
    """A phone number's owner asked for no more messages on one channel: STOP or BERHENTI on
    WhatsApp stops WhatsApp, on SMS (or the SMS provider's own opt-out) stops SMS, and each is
    lifted by START or MULAI on the same channel. Keyed by the number (E.164) and the channel:
    the outbox sits below the people's records and cannot point at them. Every WhatsApp and
    SMS send checks it (``optouts.py``).

    The row stays when lifted (``active`` false): ``changed_at`` is when the owner wrote the
    last word that counted, by the provider's clock, so a STOP that arrives after a later
    START changes nothing."""

    # A number belongs to no centre: its audit trail is for national staff only.
    scope_paths = ScopePaths(province=None, centre=None, owner=None)

    phone = models.CharField(_("nomor telepon"), max_length=20)
    channel = models.CharField(_("saluran"), max_length=10, choices=OptOutChannel.choices)
    source = models.CharField(_("sumber"), max_length=10, choices=OptOutSource.choices)
    active = models.BooleanField(_("berlaku"), default=True)
    changed_at = models.DateTimeField(_("waktu balasan terakhir"), default=timezone.now)

    class Meta:
        verbose_name = _("penolakan pesan")
        verbose_name_plural = _("penolakan pesan")
        constraints = [
            models.UniqueConstraint(fields=["phone", "channel"], name="messaging_optout_channel")
        ]

    def __str__(self) -> str:
        return f"{phone_mask(self.phone)} ({self.channel})"


class WhatsAppSender(TimestampedModel):
    """A centre's own WhatsApp number (Cloud API phone-number id) and where its secrets are.

    The secrets themselves never reach the database: ``access_token_ref`` and
    ``app_secret_ref`` name the centre's own environment variable
    (``env:MESSAGING_WHATSAPP_CENTRE_<id>_...``) or file
    (``file:<MESSAGING_SECRETS_DIR>/<id>/...``), read when used
    (``plut.foundation.messaging.secrets``). Keyed by the centre's id, like the outbox; a
    phone-number id belongs to one centre only.
    """

    # Its audit trail (who set the number and the references): the centre's manager, and
    # national staff. A province is not kept here (it would be a key up into clinics).
    scope_paths = ScopePaths(province=None, centre="centre_id", owner=None)

    centre_id = models.BigIntegerField(_("PLUT"), unique=True)
    phone_number_id = models.CharField(
        _("ID nomor telepon (Phone number ID)"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^\d{5,32}$", _("Isi dengan angka dari WhatsApp Manager."))],
    )
    display_number = models.CharField(_("nomor WhatsApp"), max_length=20, blank=True)
    access_token_ref = models.CharField(
        _("letak token akses"), max_length=200, validators=[secret_ref_validate]
    )
    app_secret_ref = models.CharField(
        _("letak app secret"), max_length=200, blank=True, validators=[secret_ref_validate]
    )
    active = models.BooleanField(_("aktif"), default=True)
    last_test_at = models.DateTimeField(_("uji terakhir"), null=True, blank=True)
    last_test_result = models.CharField(_("hasil uji terakhir"), max_length=500, blank=True)
    # The test message's own receipts (biz_opaque_callback_data "test:<id>"), as for a message.
    last_test_provider_id = models.CharField(max_length=200, blank=True, editable=False)
    last_test_delivery = models.CharField(
        _("tanda terima uji"), max_length=10, choices=DeliveryStatus.choices, blank=True
    )
    last_test_delivery_error = models.CharField(
        _("alasan uji tidak sampai"), max_length=300, blank=True
    )

    class Meta:
        verbose_name = _("nomor WhatsApp PLUT")
        verbose_name_plural = _("nomor WhatsApp PLUT")

    def __str__(self) -> str:
        return f"{self.centre_id}: {self.phone_number_id}"

    def clean(self) -> None:
        """Each reference must name this centre's own secret (``secrets.py``)."""
        errors = {}
        for name in ("access_token_ref", "app_secret_ref"):
            value = getattr(self, name)
            if value and self.centre_id is not None:
                try:
                    secret_ref_validate(value)
                except ValidationError:
                    continue  # the field's own validator says what is wrong
                try:
                    secret_ref_check(value, centre_id=self.centre_id)
                except ValidationError as error:
                    errors[name] = error
        if errors:
            raise ValidationError(errors)


def about_key(record: models.Model) -> str:
    """How a message names the record it is about: "mentoring.booking:42"."""
    return f"{record._meta.label_lower}:{record.pk}"
