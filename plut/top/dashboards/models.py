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


class Level(models.IntegerChoices):
    NATION = 0, _("nasional")
    PROVINCE = 1, _("provinsi")
    CENTRE = 2, _("PLUT")


class Grain(models.TextChoices):
    MONTH = "m", _("bulan")
    DAY = "d", _("hari")


class Figures(models.Model):
    """What a cell adds up to (facts.measure.Totals): the additive figures, and the sets of
    enterprises and cooperatives served as Roaring bitmaps of their ids."""

    sessions = models.PositiveIntegerField(_("sesi"), default=0)
    contact_minutes = models.PositiveBigIntegerField(_("waktu kontak (menit)"), default=0)
    preparation_minutes = models.PositiveBigIntegerField(_("waktu persiapan (menit)"), default=0)
    travel_minutes = models.PositiveBigIntegerField(_("waktu perjalanan (menit)"), default=0)
    surveys = models.PositiveIntegerField(_("survei dijawab"), default=0)
    score_sum = models.PositiveBigIntegerField(_("jumlah nilai survei"), default=0)
    bookings = models.PositiveIntegerField(_("pemesanan"), default=0)
    bookings_completed = models.PositiveIntegerField(_("pemesanan selesai"), default=0)
    bookings_no_show = models.PositiveIntegerField(_("pemesanan tidak hadir"), default=0)
    bookings_cancelled = models.PositiveIntegerField(_("pemesanan dibatalkan"), default=0)
    booked_seconds = models.PositiveBigIntegerField(_("detik dipesan (tidak batal)"), default=0)
    enterprises = models.BinaryField(_("UMKM hadir (bitmap)"))
    cooperatives = models.BinaryField(_("koperasi dilayani (bitmap)"))

    class Meta:
        abstract = True


class Cell(Figures):
    """The dashboards' facts (plut/top/dashboards/facts/): what the sessions and bookings of
    one place add up to in one month on their centres' clocks (or, for the nation, one day),
    for one service area and mode, with "any" area and "any" mode rolled up as their own rows,
    so a dashboard reads one row per month whatever the filters.

    The unique and new enterprises and the cooperatives served are sets (Roaring bitmaps of
    their ids), not counts: the sets of several months are united, so a figure over any span
    is exact.
    """

    level = models.PositiveSmallIntegerField(_("tingkat"), choices=Level.choices)
    # 0 for the nation, the province's code as a number, or the centre's id.
    scope = models.IntegerField(_("wilayah"))
    area = models.PositiveIntegerField(_("bidang layanan"), default=0)  # 0: any
    mode = models.CharField(_("cara"), max_length=20, blank=True)  # "": any
    grain = models.CharField(_("satuan waktu"), max_length=1, choices=Grain.choices)
    day = models.DateField(_("hari atau awal bulan"))

    class Meta:
        verbose_name = _("sel dasbor")
        verbose_name_plural = _("sel dasbor")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "scope", "area", "mode", "grain", "day"], name="cell_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.scope} {self.area}/{self.mode or '*'} {self.grain}{self.day}"


class RegencyCell(Figures):
    """What the sessions and bookings of one centre add up to for the clients of one regency
    in one month (the centre's clock), per service area and mode: the facts of the dashboards'
    regency filter (plut/top/dashboards/facts/).

    A session belongs to every regency one of its participants lives in, a booking to its
    enterprise's; the sets are those of ``Cell`` (the attending enterprises, the cooperatives
    served), so they count the same way. Only the leaves are kept (no "any" rows): a regency's
    sessions are few, and a reader adds up the leaves its filters take.
    """

    centre_id = models.BigIntegerField(_("PLUT"))
    # The centre's province as ``Cell.scope`` gives it (the code as a number).
    province = models.IntegerField(_("provinsi"))
    regency = models.CharField(_("kabupaten/kota"), max_length=5)  # Regency.code
    area = models.PositiveIntegerField(_("bidang layanan"))
    mode = models.CharField(_("cara"), max_length=20)
    day = models.DateField(_("awal bulan"))

    class Meta:
        verbose_name = _("sel dasbor kabupaten/kota")
        verbose_name_plural = _("sel dasbor kabupaten/kota")
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "centre_id", "day", "area", "mode"], name="regency_cell_once"
            )
        ]
        # A centre's months are replaced together when its marks are worked in.
        indexes = [models.Index(fields=["centre_id", "day"], name="regency_cell_centre_day")]

    def __str__(self) -> str:
        return f"{self.centre_id}/{self.regency} {self.area}/{self.mode} {self.day}"


class ConsultantCell(models.Model):
    """Each consultant's sessions and hours at one centre in one month (centre's clock), per
    service area and mode with "any" rolled up, for the workload charts."""

    area = models.PositiveIntegerField(_("bidang layanan"), default=0)
    mode = models.CharField(_("cara"), max_length=20, blank=True)
    day = models.DateField(_("awal bulan"))
    centre_id = models.BigIntegerField(_("PLUT"))
    consultant_id = models.BigIntegerField(_("konsultan"))
    sessions = models.PositiveIntegerField(_("sesi"), default=0)
    contact_minutes = models.PositiveBigIntegerField(_("waktu kontak (menit)"), default=0)
    preparation_minutes = models.PositiveBigIntegerField(_("waktu persiapan (menit)"), default=0)
    travel_minutes = models.PositiveBigIntegerField(_("waktu perjalanan (menit)"), default=0)

    class Meta:
        verbose_name = _("sel beban kerja konsultan")
        verbose_name_plural = _("sel beban kerja konsultan")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "mode", "day", "centre_id", "consultant_id"],
                name="consultant_cell_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.centre_id}/{self.consultant_id} {self.area}/{self.mode or '*'} {self.day}"


class DirtyMark(models.Model):
    """A centre and a UTC date whose sessions, attendance, surveys, bookings or clients'
    regencies changed, written by database triggers (dashboards migrations 0003, 0004) on every
    path that writes them; the facts of the local days it may fall on are recomputed, then the
    mark is deleted."""

    centre_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        verbose_name = _("tanda perubahan dasbor")
        verbose_name_plural = _("tanda perubahan dasbor")

    def __str__(self) -> str:
        return f"{self.centre_id} {self.day}"
