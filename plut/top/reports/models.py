"""Monthly reports of a centre, a province or the nation, as XLSX and PDF files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.models import ScopePaths, TimestampedModel


class ReportLevel(models.TextChoices):
    CENTRE = "centre", _("PLUT")
    PROVINCE = "province", _("Provinsi")
    NATIONAL = "national", _("Nasional")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    RUNNING = "running", _("Sedang dibuat")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


def report_key(level: str, month: Any, centre_id: int | None, province_id: str | None) -> str:
    """One report per place and month: the natural key the generators claim."""
    place = {ReportLevel.CENTRE: centre_id, ReportLevel.PROVINCE: province_id}.get(level, "id")
    return f"{level}:{place}:{month:%Y-%m}"


class Report(TimestampedModel):
    level = models.CharField(_("cakupan"), max_length=20, choices=ReportLevel.choices)
    centre = models.ForeignKey(
        "clinics.Centre",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("PLUT"),
    )
    # Set for centre reports too (the centre's province), so a provincial officer sees them.
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("provinsi"),
    )
    month = models.DateField(_("bulan"), help_text=_("Hari pertama bulan laporan."))
    key = models.CharField(max_length=60, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("kemajuan (%)"), default=0)
    error = models.TextField(_("galat"), blank=True)
    generated_at = models.DateTimeField(_("dibuat pada"), null=True, blank=True)
    # Under MEDIA_ROOT, which nothing serves publicly: the files leave only through the scoped
    # download view.
    xlsx = models.FileField(_("berkas XLSX"), upload_to="reports/%Y/%m/", blank=True)
    pdf = models.FileField(_("berkas PDF"), upload_to="reports/%Y/%m/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diminta oleh"),
    )

    scope_paths = ScopePaths(province="province", centre="centre", owner=None)

    class Meta:
        ordering = ["-month", "level", "id"]
        verbose_name = _("laporan bulanan")
        verbose_name_plural = _("laporan bulanan")

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.place_name} · {self.month:%Y-%m}"

    @property
    def place_name(self) -> str:
        if self.centre_id:
            return self.centre.name
        return self.province.name if self.province_id else "Indonesia"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("Bulan ditulis dengan hari pertamanya.")})
        if (self.level == ReportLevel.CENTRE) != bool(self.centre_id):
            raise ValidationError({"centre": _("Laporan PLUT memerlukan PLUT.")})
        if self.level == ReportLevel.NATIONAL and self.province_id:
            raise ValidationError({"province": _("Laporan nasional tidak untuk satu provinsi.")})
        if self.level == ReportLevel.PROVINCE and not self.province_id:
            raise ValidationError({"province": _("Laporan provinsi memerlukan provinsi.")})
