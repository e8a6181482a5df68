"""PLUT centres, the service areas they advise in, and the staff who work there."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.models import ScopePaths
from plut.foundation.core.phone import validate_e164


class ServiceArea(models.Model):
    """A consulting area. Six come with the portal; a province may add its own (data, not code)."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name_id = models.CharField(_("nama (Bahasa Indonesia)"), max_length=100)
    name_en = models.CharField(_("nama (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)
    is_active = models.BooleanField(_("aktif"), default=True)
    slot_minutes = models.PositiveSmallIntegerField(
        _("lama slot konsultasi (menit)"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(240)],
    )

    scope_paths = ScopePaths(province=None, centre=None, owner=None)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("bidang layanan")
        verbose_name_plural = _("bidang layanan")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the reader's language (Indonesian unless English is active)."""
        return self.name_in(self.name_id, self.name_en)

    @staticmethod
    def name_in(name_id: str, name_en: str) -> str:
        """``name`` from the two columns, for lists that read them without models."""
        return name_en if (get_language() or "").startswith("en") else name_id


class CentreLevel(models.TextChoices):
    PROVINCE = "province", _("Provinsi")
    REGENCY = "regency", _("Kabupaten/kota")


class UptdStatus(models.TextChoices):
    UPTD = "uptd", _("UPTD (unit pelaksana teknis daerah)")
    TRANSITION = "transition", _("Dalam proses menjadi UPTD")
    OTHER = "other", _("Di bawah Dinas, bukan UPTD")
    UNKNOWN = "unknown", _("Belum diketahui")


class Centre(models.Model):
    name = models.CharField(_("nama"), max_length=200, unique=True)
    level = models.CharField(_("tingkat"), max_length=20, choices=CentreLevel.choices)
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.PROTECT,
        related_name="centres",
        verbose_name=_("provinsi"),
    )
    regency = models.ForeignKey(
        "regions.Regency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="centres",
        verbose_name=_("kabupaten/kota"),
    )
    city = models.CharField(_("kota/lokasi"), max_length=100, blank=True)
    address = models.TextField(_("alamat"), blank=True)
    phone = models.CharField(_("telepon"), max_length=20, blank=True, validators=[validate_e164])
    whatsapp = models.CharField(
        _("WhatsApp"), max_length=20, blank=True, validators=[validate_e164]
    )
    email = models.EmailField(_("email"), blank=True)
    map_url = models.URLField(
        _("tautan peta"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https"])],
    )
    uptd_status = models.CharField(
        _("status UPTD"), max_length=20, choices=UptdStatus.choices, default=UptdStatus.UNKNOWN
    )
    opened_on = models.DateField(_("tanggal diresmikan"), null=True, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    source_url = models.TextField(_("sumber publik"), blank=True)
    service_areas = models.ManyToManyField(
        ServiceArea, blank=True, related_name="centres", verbose_name=_("bidang layanan")
    )
    opening_hours = models.CharField(
        _("jam buka"),
        max_length=200,
        blank=True,
        help_text=_("Untuk ditampilkan, misalnya: Senin–Jumat 08.00–16.00."),
    )
    # Booking policy, per centre.
    requires_confirmation = models.BooleanField(
        _("pemesanan perlu dikonfirmasi staf"),
        default=True,
        help_text=_("Jika tidak, pemesanan langsung dikonfirmasi."),
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("pemberitahuan minimum (menit)"),
        default=120,
        help_text=_("Slot yang lebih cepat dari ini tidak ditawarkan."),
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("jeda antar-konsultasi (menit)"), default=15
    )
    owner_change_cutoff_hours = models.PositiveSmallIntegerField(
        _("batas ubah/batal oleh pelaku usaha (jam sebelum)"), default=24
    )
    open_bookings_cap = models.PositiveSmallIntegerField(
        _("maksimum pemesanan aktif per telepon/email"),
        default=2,
        validators=[MinValueValidator(1)],
    )

    scope_paths = ScopePaths(province="province", centre="pk", owner=None)

    class Meta:
        ordering = ["province_id", "name"]
        verbose_name = _("PLUT")
        verbose_name_plural = _("PLUT")
        constraints = [
            # A regency-level centre must say which regency; a provincial one must not.
            models.CheckConstraint(
                condition=(
                    models.Q(level=CentreLevel.REGENCY, regency__isnull=False)
                    | models.Q(level=CentreLevel.PROVINCE, regency__isnull=True)
                ),
                name="centre_regency_matches_level",
                violation_error_message=_(
                    "PLUT kabupaten/kota wajib memiliki kabupaten/kota; PLUT provinsi tidak."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.regency_id
            and self.province_id
            and not self.regency_id.startswith(f"{self.province_id}.")
        ):
            raise ValidationError({"regency": _("Kabupaten/kota tidak berada di provinsi ini.")})

    @property
    def whatsapp_url(self) -> str:
        """The wa.me link that opens a chat with the centre (E.164 without the plus)."""
        return f"https://wa.me/{self.whatsapp.lstrip('+')}" if self.whatsapp else ""

    @property
    def timezone(self) -> str:
        """The IANA zone of the centre, which is its province's: times are shown in it."""
        return self.province.timezone

    @property
    def timezone_label(self) -> str:
        return self.province.timezone_label


class StaffMembership(models.Model):
    """Places a manager or consultant at one centre, with the areas a consultant covers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_membership",
        verbose_name=_("pengguna"),
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("PLUT")
    )
    areas = models.ManyToManyField(
        ServiceArea, blank=True, related_name="memberships", verbose_name=_("bidang yang ditangani")
    )
    joined_on = models.DateField(_("bergabung sejak"), auto_now_add=True)

    scope_paths = ScopePaths(province="centre__province", centre="centre", owner=None)

    class Meta:
        verbose_name = _("keanggotaan staf")
        verbose_name_plural = _("keanggotaan staf")

    def __str__(self) -> str:
        return f"{self.user.display_name} @ {self.centre}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Senin")
    TUESDAY = 1, _("Selasa")
    WEDNESDAY = 2, _("Rabu")
    THURSDAY = 3, _("Kamis")
    FRIDAY = 4, _("Jumat")
    SATURDAY = 5, _("Sabtu")
    SUNDAY = 6, _("Minggu")


class WorkingHours(models.Model):
    """A consultant's regular hours at the centre on one weekday (centre-local time)."""

    membership = models.ForeignKey(
        StaffMembership,
        on_delete=models.CASCADE,
        related_name="working_hours",
        verbose_name=_("konsultan"),
    )
    weekday = models.PositiveSmallIntegerField(_("hari"), choices=Weekday.choices)
    starts = models.TimeField(_("mulai"))
    ends = models.TimeField(_("selesai"))

    scope_paths = ScopePaths(
        province="membership__centre__province", centre="membership__centre", owner=None
    )

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name = _("jam kerja")
        verbose_name_plural = _("jam kerja")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="working_hours_end_after_start",
                violation_error_message=_("Jam selesai harus setelah jam mulai."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Cuti")
    FIELD = "field", _("Tugas lapangan")
    TRAINING = "training", _("Pelatihan")
    OTHER = "other", _("Lainnya")


class Absence(models.Model):
    """Whole days a consultant takes no bookings: leave, field days, training."""

    membership = models.ForeignKey(
        StaffMembership,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("konsultan"),
    )
    starts_on = models.DateField(_("dari tanggal"))
    ends_on = models.DateField(_("sampai tanggal"))
    kind = models.CharField(_("jenis"), max_length=20, choices=AbsenceKind.choices)
    note = models.CharField(_("catatan"), max_length=200, blank=True)

    scope_paths = ScopePaths(
        province="membership__centre__province", centre="membership__centre", owner=None
    )

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("ketidakhadiran")
        verbose_name_plural = _("ketidakhadiran")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="absence_ends_on_or_after_start",
                violation_error_message=_("Tanggal akhir tidak boleh sebelum tanggal mulai."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}–{self.ends_on}"


class _KeptCentre(ForwardManyToOneDescriptor):
    def get_object(self, instance: models.Model) -> Centre:
        from clinics.centre_cache import centres_by_id  # it reads this module's models

        centre_id = getattr(instance, self.field.attname)
        return centres_by_id([centre_id]).get(centre_id) or super().get_object(instance)


class CentreKey(models.ForeignKey):
    """A key to a centre, read as the pages need it: with its province (its time zone), from
    the centres each process keeps (clinics.centre_cache), or in one query when they are not
    kept. So nobody reading ``record.centre`` has to remember to attach it first; a list of
    records still has its centres attached at once (``clinics.selectors.attach_centres``) by
    the selector or table that reads them, one query for the page instead of one a row when
    the centres are not kept."""

    forward_related_accessor_class = _KeptCentre

    def deconstruct(self) -> tuple:
        # Migrations see a plain ForeignKey: only how Python reads the centre differs.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ForeignKey", args, kwargs
