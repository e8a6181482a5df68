"""Weekly utilisation of each centre, kept by a Celery job, for the under-use alert."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.models import ScopePaths


class CentreUtilisation(models.Model):
    """One centre's figures for one ISO week (Monday to Sunday, centre-local dates)."""

    centre = models.ForeignKey(
        "clinics.Centre",
        on_delete=models.CASCADE,
        related_name="utilisation",
        verbose_name=_("PLUT"),
    )
    week_start = models.DateField(_("awal minggu (Senin)"))
    sessions = models.PositiveIntegerField(_("sesi"), default=0)
    consultants = models.PositiveIntegerField(_("konsultan aktif"), default=0)
    working_days = models.PositiveSmallIntegerField(_("hari kerja"), default=0)
    per_consultant_day = models.FloatField(_("sesi per konsultan per hari kerja"), null=True)
    fill_rate = models.FloatField(_("tingkat keterisian pemesanan (%)"), null=True)
    enterprises = models.PositiveIntegerField(_("UMKM unik dilayani"), default=0)
    # The centre's own average over the eight weeks before this one (None until it has any).
    trailing_per_consultant_day = models.FloatField(_("rata-rata 8 minggu sebelumnya"), null=True)
    below_floor = models.BooleanField(_("di bawah batas minimum"), default=False)
    dropped = models.BooleanField(_("turun tajam"), default=False)
    flagged = models.BooleanField(_("ditandai kurang dimanfaatkan"), default=False)
    computed_at = models.DateTimeField(_("dihitung pada"), auto_now=True)

    scope_paths = ScopePaths(province="centre__province", centre="centre", owner=None)

    class Meta:
        ordering = ["-week_start", "centre_id"]
        verbose_name = _("pemanfaatan PLUT mingguan")
        verbose_name_plural = _("pemanfaatan PLUT mingguan")
        constraints = [
            models.UniqueConstraint(fields=["centre", "week_start"], name="utilisation_once_a_week")
        ]
        indexes = [models.Index(fields=["centre", "-week_start"])]

    def __str__(self) -> str:
        return f"{self.centre_id} · {self.week_start}"
