"""Personal API tokens, and bulk import jobs."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperatives.services.imports import row_error_read
from plut.foundation.core.models import ScopePaths
from plut.foundation.core.translation import in_reader_language

TOKEN_PREFIX = "plut"
# The public part that finds the row (and tells a user which token is which); the secret
# part is only ever stored as its SHA-256, so a database dump gives no usable token.
PREFIX_BYTES = 6
SECRET_BYTES = 32


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenRefusal(models.TextChoices):
    """Why a token stopped working by itself; each completes "Token tidak berlaku lagi: …"."""

    INACTIVE = "inactive", _("akun pemiliknya dinonaktifkan.")
    LOGGED_OUT = "logged_out", _("pemiliknya keluar dari semua perangkat.")
    PASSWORD = "password", _("kata sandi pemiliknya diganti.")
    ROLE = "role", _("peran pemiliknya berubah.")
    PROVINCE = "province", _("provinsi pemiliknya berubah.")
    CENTRE = "centre", _("PLUT pemiliknya berubah.")
    TWO_FACTOR = "two_factor", _("pemiliknya wajib memasang verifikasi dua langkah.")
    OUTDATED = "outdated", _("token dibuat sebelum pemeriksaan keamanan token.")


# The parts of a user's state a token depends on, in the order their reasons are told.
STATE_REASONS = (
    ("active", TokenRefusal.INACTIVE),
    ("sessions", TokenRefusal.LOGGED_OUT),
    ("password", TokenRefusal.PASSWORD),
    ("role", TokenRefusal.ROLE),
    ("superuser", TokenRefusal.ROLE),
    ("province", TokenRefusal.PROVINCE),
    ("centre", TokenRefusal.CENTRE),
)


def owner_state(user: Any) -> dict[str, Any]:
    """What a token of ``user`` depends on: a token stores this at creation and works only
    while the owner's state is still the same (plut/top/api/authentication.py).

    The password enters as a digest of its stored hash, which every change or reset renews
    (a new salt, even for the same password); ``sessions`` is the generation "keluar dari
    semua perangkat" raises. The centre comes from the staff membership (one query, unless
    loaded with ``select_related("staff_membership")``).
    """
    membership = getattr(user, "staff_membership", None)
    return {
        "active": user.is_active,
        "sessions": user.session_generation,
        "password": hashlib.sha256(user.password.encode()).hexdigest(),
        "role": user.role,
        "superuser": user.is_superuser,
        "province": user.province_id,
        "centre": membership.centre_id if membership else None,
    }


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
    # Blank when the owner revoked it; otherwise what made it stop working by itself.
    revoked_reason = models.CharField(
        _("alasan dicabut"), max_length=20, choices=TokenRefusal.choices, blank=True
    )
    # owner_state() of the owner when the token was made; empty for tokens made before
    # tokens checked it (those are refused: they may have outlived a revocation).
    owner_state = models.JSONField(_("keadaan pemilik"), default=dict, editable=False)

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

    def refusal_for(
        self, state: dict[str, Any], *, two_factor_missing: bool
    ) -> TokenRefusal | None:
        """Why this token no longer works for an owner now in ``state`` (``owner_state()``),
        or None while it still does. ``two_factor_missing``: the owner's role must use a
        second factor and they have no authenticator."""
        if not state["active"]:
            return TokenRefusal.INACTIVE
        if not self.owner_state:
            return TokenRefusal.OUTDATED
        for key, reason in STATE_REASONS:
            if self.owner_state.get(key) != state[key]:
                return reason
        if two_factor_missing:
            return TokenRefusal.TWO_FACTOR
        return None


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
    # Rows that matched a stored record already holding their values: nothing was written.
    unchanged_count = models.PositiveIntegerField(_("tidak berubah"), default=0)
    # [{"row": 3, "field": "nib", "message": {"id": "...", "en": "..."}}]: every language's
    # message, as a job runs in a worker, in no reader's language. Read them in the active
    # language with row_errors.
    errors = models.JSONField(_("kesalahan"), default=list, blank=True)
    # What the job tells its uploader (why nothing was imported, that it resumed...), in every
    # language like the errors: {"id": "...", "en": "..."}; read it with message_text.
    message = models.JSONField(_("pesan"), default=dict, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    # The last sign of life: when the job was queued, claimed, or reported progress. A job
    # whose sign is older than plut.top.api.services.STALE_CLAIM lost its worker (or its task).
    heartbeat_at = models.DateTimeField(_("detak terakhir"), null=True, blank=True)
    # Runs started: a file that kills its worker every time is failed, not retried forever.
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)

    scope_paths = ScopePaths(province="centre__province", centre="centre", owner=None)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("impor data")
        verbose_name_plural = _("impor data")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def row_errors(self) -> list[dict[str, Any]]:
        return [row_error_read(error) for error in self.errors]

    @property
    def message_text(self) -> str:
        """The job's message in the reader's language."""
        return in_reader_language(self.message)

    @property
    def progress(self) -> int:
        """Percent of rows processed."""
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.FAILED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
