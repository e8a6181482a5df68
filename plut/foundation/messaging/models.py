"""The outbox: every message the portal sends, one row each, keyed so it is sent once.

A row is written in the same transaction as the change it tells about (a booking, a logged
session), rendered in the recipient's language. A Celery task then *claims* the row with a
conditional update and sends it; see ``plut.foundation.messaging.services`` and
docs/background-jobs.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.models import ScopePaths, TimestampedModel
from plut.foundation.core.phone import phone_mask


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
    last_error = models.TextField(_("galat terakhir"), blank=True)
    send_after = models.DateTimeField(_("kirim setelah"), null=True, blank=True)
    queued_at = models.DateTimeField(_("masuk antrean"), null=True, blank=True)
    # A claim is a lease: a worker killed while sending leaves a row in "sending" whose lease
    # runs out, and the sweep hands it to another worker (see docs/background-jobs.md).
    claimed_until = models.DateTimeField(_("diklaim sampai"), null=True, blank=True)
    # Who holds the claim: a worker whose lease ran out cannot overwrite its successor's result.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("coba lagi pada"), null=True, blank=True)
    sent_at = models.DateTimeField(_("terkirim pada"), null=True, blank=True)
    provider_id = models.CharField(_("ID penyedia"), max_length=200, blank=True)
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
    def recipient_masked(self) -> str:
        """Phones are personal data: lists show enough to recognise one, not to dial it."""
        if self.channel == Channel.EMAIL:
            return self.recipient
        return phone_mask(self.recipient)


def about_key(record: models.Model) -> str:
    """How a message names the record it is about: "mentoring.booking:42"."""
    return f"{record._meta.label_lower}:{record.pk}"
