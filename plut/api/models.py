"""Personal API tokens, and bulk import jobs."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plut.accounts.scope import ScopePaths

TOKEN_PREFIX = "plut"
# The public part that finds the row (and tells a user which token is which); the secret
# part is only ever stored as its SHA-256, so a database dump gives no usable token.
PREFIX_BYTES = 6
SECRET_BYTES = 32


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal token: acts with its owner's role and scope, never more."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("pemilik"),
    )
    name = models.CharField(_("nama"), max_length=100)
    prefix = models.CharField(_("awalan"), max_length=20, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kedaluwarsa"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @staticmethod
    def new_parts() -> tuple[str, str]:
        """(prefix, secret); the full token the user copies is ``plut_<prefix>_<secret>``."""
        return secrets.token_hex(PREFIX_BYTES), secrets.token_urlsafe(SECRET_BYTES)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class ImportKind(models.TextChoices):
    ENTERPRISES = "enterprises", _("UMKM dan pemiliknya")
    COOPERATIVES = "cooperatives", _("Koperasi")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("Semua atau tidak sama sekali")
    VALID_ROWS = "valid_rows", _("Impor baris yang valid saja")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class ImportJob(models.Model):
    """One uploaded file of clients, its progress and its row-level result."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name=_("diunggah oleh"),
    )
    centre = models.ForeignKey(
        "clinics.Centre",
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name=_("PLUT"),
    )
    kind = models.CharField(_("jenis data"), max_length=20, choices=ImportKind.choices)
    mode = models.CharField(_("mode"), max_length=20, choices=ImportMode.choices)
    filename = models.CharField(_("nama berkas"), max_length=200)
    # The upload itself, kept until the job has run (capped by IMPORT_MAX_UPLOAD_BYTES).
    payload = models.BinaryField(editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("jumlah baris"), default=0)
    processed_rows = models.PositiveIntegerField(_("baris diproses"), default=0)
    created_count = models.PositiveIntegerField(_("baru"), default=0)
    updated_count = models.PositiveIntegerField(_("diperbarui"), default=0)
    # [{"row": 3, "field": "nib", "message": "..."}], in the language of the uploader.
    errors = models.JSONField(_("kesalahan"), default=list, blank=True)
    message = models.TextField(_("pesan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    scope_paths = ScopePaths(province="centre__province", centre="centre", owner=None)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("impor data")
        verbose_name_plural = _("impor data")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        """Percent of rows processed."""
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.FAILED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
