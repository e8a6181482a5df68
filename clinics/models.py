"""PLUT centres, the service areas they advise in, and the staff who work there."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from plut.accounts.scope import ScopePaths


class ServiceArea(models.Model):
    """A consulting area. Six come with the portal; a province may add its own (data, not code)."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name_id = models.CharField(_("nama (Bahasa Indonesia)"), max_length=100)
    name_en = models.CharField(_("nama (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)
    is_active = models.BooleanField(_("aktif"), default=True)

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
        return self.name_en if (get_language() or "").startswith("en") else self.name_id


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
    phone = models.CharField(_("telepon"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    uptd_status = models.CharField(
        _("status UPTD"), max_length=20, choices=UptdStatus.choices, default=UptdStatus.UNKNOWN
    )
    opened_on = models.DateField(_("tanggal diresmikan"), null=True, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    source_url = models.TextField(_("sumber publik"), blank=True)
    service_areas = models.ManyToManyField(
        ServiceArea, blank=True, related_name="centres", verbose_name=_("bidang layanan")
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
        return f"{self.user} @ {self.centre}"
