"""A list's download written by a background job, its progress, and the file while it is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.exports import EXPORT_FORMATS
from plut.foundation.exports.registry import export_get


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu giliran")
    RUNNING = "running", _("Sedang disiapkan")
    DONE = "done", _("Siap diunduh")
    FAILED = "failed", _("Gagal")
    EXPIRED = "expired", _("Sudah dihapus")


UNFINISHED = (ExportStatus.PENDING, ExportStatus.RUNNING)


class ExportFailure(models.TextChoices):
    """Why a job failed, said in the reader's language when shown (a job runs in a worker)."""

    SERVER = "server", _("Berkas gagal dibuat karena kesalahan di server. Silakan minta lagi.")
    GONE = "gone", _("Daftar ini tidak dapat diunduh lagi. Buka daftarnya dan unduh dari sana.")
    FILTERS = "filters", _("Saringan daftar ini tidak valid lagi. Buka daftarnya dan unduh lagi.")
    ABANDONED = (
        "abandoned",
        _("Berkas tidak selesai dibuat setelah beberapa kali dicoba. Silakan minta lagi."),
    )


class ExportJob(models.Model):
    """One requested download: the list (by its registry name), the query string it was asked
    with, and the language its headers are written in. The file is read only through the scoped
    download view and deleted when the job expires (EXPORT_KEEP_HOURS)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("diminta oleh"),
    )
    export = models.CharField(_("daftar"), max_length=40)
    fmt = models.CharField(
        _("format"), max_length=4, choices=[(fmt, fmt.upper()) for fmt in EXPORT_FORMATS]
    )
    # The list's query string (filters, search, order) as the page had it.
    params = models.TextField(_("saringan"), blank=True)
    # A digest of (export, fmt, params): one unfinished job per request, however often it is
    # clicked (the constraint below; a query string can be longer than an index allows).
    request_key = models.CharField(max_length=64, editable=False)
    language = models.CharField(_("bahasa"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    failure = models.CharField(
        _("sebab gagal"), max_length=10, choices=ExportFailure.choices, blank=True
    )
    total_rows = models.PositiveIntegerField(_("jumlah baris"), null=True, blank=True)
    done_rows = models.PositiveIntegerField(_("baris ditulis"), default=0)
    # Under MEDIA_ROOT, which nothing serves publicly.
    file = models.FileField(_("berkas"), upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(_("nama berkas"), max_length=120)
    created_at = models.DateTimeField(_("diminta"), auto_now_add=True)
    # The last sign of life: queued, claimed, or a chunk written. A job silent for longer than
    # EXPORT_STALE_SECONDS lost its worker or its task, and the sweep queues it again.
    heartbeat_at = models.DateTimeField(_("detak terakhir"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    expires_at = models.DateTimeField(_("dihapus pada"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("unduhan daftar")
        verbose_name_plural = _("unduhan daftar")
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "request_key"],
                condition=models.Q(status__in=UNFINISHED),
                name="export_one_unfinished_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.export} ({self.fmt})"

    @property
    def title(self) -> str:
        """The list's name in the reader's language (the registry's; the job keeps only its
        key, as the reader may switch language)."""
        export = export_get(self.export)
        return str(export.title) if export else self.export

    @property
    def percent(self) -> int | None:
        if not self.total_rows:
            return None
        return min(100, self.done_rows * 100 // self.total_rows)
