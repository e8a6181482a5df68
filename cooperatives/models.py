"""The clients of a PLUT: persons (owners, board members), enterprises (UMKM), cooperatives."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Value, When
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import CentreKey
from cooperatives.validators import (
    nik_birth_parts,
    validate_cooperative_number,
    validate_kbli,
    validate_nib,
    validate_nik,
)
from plut.foundation.core.calendar import today_in
from plut.foundation.core.dates import TimeZone
from plut.foundation.core.models import ScopePaths, TimestampedModel
from plut.foundation.core.names import names_validate
from plut.foundation.core.phone import validate_e164

MILIAR = 1_000_000_000


class Gender(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Person(TimestampedModel):
    """An owner of an enterprise or a cooperative board member. Personal data (UU 27/2022)."""

    full_name = models.CharField(_("nama lengkap"), max_length=200)
    nik = models.CharField(
        _("NIK"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_nik],
        error_messages={"unique": _("NIK ini sudah terdaftar untuk orang lain.")},
    )
    gender = models.CharField(_("jenis kelamin"), max_length=1, choices=Gender.choices, blank=True)
    phone = models.CharField(
        _("telepon / WhatsApp"),
        max_length=16,
        blank=True,
        validators=[validate_e164],
        help_text=_("Disimpan dalam format internasional, misalnya +6281234567890."),
    )
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("akun"),
    )
    regency = models.ForeignKey(
        "regions.Regency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("kabupaten/kota domisili"),
    )
    centre = CentreKey(
        "clinics.Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("PLUT pendamping"),
    )
    # Made from what an anonymous visitor typed with a public booking: nobody proved the
    # email or phone is theirs, so an account verifying that email is never linked to it
    # (cooperatives.services.person_link_by_verified_email); staff link it by merging.
    # A database default too, for writers that name their columns (the demo's COPY).
    from_public_booking = models.BooleanField(
        _("dari pemesanan publik"), default=False, db_default=False
    )

    scope_paths = ScopePaths(province="regency__province", centre="centre", owner="user")

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("orang")
        verbose_name_plural = _("orang")
        indexes = [
            models.Index(fields=["phone"]),
            models.Index(fields=["centre", "full_name"]),
            # Email matches are case-insensitive (iexact: UPPER(email) = UPPER(...)).
            models.Index(Upper("email"), name="person_email_upper"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        names_validate(self, "full_name")
        # An empty form field arrives as ""; NULL keeps the unique constraint for real NIKs only.
        self.nik = self.nik or None
        # Compare with the gender only when the NIK is well-formed; its own validator reports
        # a malformed one.
        if self.nik and self.gender and len(self.nik) == 16 and self.nik.isdigit():
            is_female = nik_birth_parts(self.nik)[3]
            if is_female != (self.gender == Gender.FEMALE):
                raise ValidationError(
                    {
                        "gender": _(
                            "Jenis kelamin tidak sesuai dengan NIK (tanggal lahir perempuan +40)."
                        )
                    }
                )


class CooperativeType(models.TextChoices):
    SAVINGS_LOANS = "simpan_pinjam", _("Simpan pinjam")
    CONSUMER = "konsumen", _("Konsumen")
    PRODUCER = "produsen", _("Produsen")
    MARKETING = "pemasaran", _("Pemasaran")
    SERVICES = "jasa", _("Jasa")


def rat_cutoff(today: datetime.date | None = None) -> datetime.date:
    """The earliest RAT date that still makes a cooperative active today."""
    today = today or timezone.localdate()
    years = settings.COOPERATIVE_ACTIVE_RAT_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year that has none
        return today.replace(year=today.year - years, day=28)


class CooperativeQuerySet(models.QuerySet):
    def active(self, today: datetime.date | None = None) -> CooperativeQuerySet:
        return self.filter(last_rat_on__gte=rat_cutoff(today))

    def with_is_active(self, today: datetime.date | None = None) -> CooperativeQuerySet:
        return self.annotate(
            is_active_now=Case(
                When(last_rat_on__gte=rat_cutoff(today), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )


class Cooperative(TimestampedModel):
    name = models.CharField(_("nama koperasi"), max_length=200)
    number = models.CharField(
        _("Nomor Induk Koperasi"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_cooperative_number],
        error_messages={"unique": _("Nomor Induk Koperasi ini sudah terdaftar.")},
    )
    legal_entity_number = models.CharField(_("nomor badan hukum"), max_length=100, blank=True)
    legal_entity_date = models.DateField(_("tanggal badan hukum"), null=True, blank=True)
    type = models.CharField(_("jenis koperasi"), max_length=20, choices=CooperativeType.choices)
    regency = models.ForeignKey(
        "regions.Regency",
        on_delete=models.PROTECT,
        related_name="cooperatives",
        verbose_name=_("kabupaten/kota"),
    )
    address = models.TextField(_("alamat"), blank=True)
    members = models.PositiveIntegerField(_("jumlah anggota"), default=0)
    workforce = models.PositiveIntegerField(_("jumlah karyawan"), default=0)
    last_rat_on = models.DateField(_("tanggal RAT terakhir"), null=True, blank=True)
    board_members = models.ManyToManyField(
        Person, blank=True, related_name="cooperatives", verbose_name=_("pengurus")
    )
    centre = CentreKey(
        "clinics.Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cooperatives",
        verbose_name=_("PLUT pendamping"),
    )

    objects = CooperativeQuerySet.as_manager()
    scope_paths = ScopePaths(
        province="regency__province", centre="centre", owner="board_members__user"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("koperasi")
        verbose_name_plural = _("koperasi")
        indexes = [
            models.Index(fields=["centre", "name"]),
            models.Index(fields=["regency", "last_rat_on"]),
            # The national list's order (name, then id for the keyset cursor).
            models.Index(fields=["name", "id"], name="cooperative_name_id"),
            # An import finds a cooperative without Nomor Induk by its name, case ignored.
            models.Index(Lower("name"), name="cooperative_name_lower"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        names_validate(self, "name")
        self.number = self.number or None
        if self.last_rat_on and self.last_rat_on > self._local_today():
            raise ValidationError({"last_rat_on": _("Tanggal RAT tidak boleh di masa depan.")})

    def _local_today(self) -> datetime.date:
        """Today where the cooperative is: a RAT held this morning in Papua (WIT) is not in
        the future while it is still yesterday in Jakarta. Without a regency (refused anyway),
        the latest of the zones."""
        zone = self.regency.province.timezone if self.regency_id else TimeZone.WIT
        return today_in(zone)

    @property
    def is_active(self) -> bool:
        """Active = held its RAT within the configured window (COOPERATIVE_ACTIVE_RAT_YEARS)."""
        return self.last_rat_on is not None and self.last_rat_on >= rat_cutoff()


class Scale(models.TextChoices):
    MICRO = "micro", _("Mikro")
    SMALL = "small", _("Kecil")
    MEDIUM = "medium", _("Menengah")
    LARGE = "large", _("Besar")


def _scale_by(field: str, micro: int, small: int, medium: int) -> list[When]:
    return [
        When(**{f"{field}__lte": micro}, then=Value(Scale.MICRO.value)),
        When(**{f"{field}__lte": small}, then=Value(Scale.SMALL.value)),
        When(**{f"{field}__lte": medium}, then=Value(Scale.MEDIUM.value)),
        When(**{f"{field}__gt": medium}, then=Value(Scale.LARGE.value)),
    ]


# PP 7/2021 art. 35: an operating business is classed by annual turnover; one without a
# known turnover by its capital (excluding land and buildings).
SCALE_EXPRESSION = Case(
    When(
        annual_turnover__isnull=False,
        then=Case(*_scale_by("annual_turnover", 2 * MILIAR, 15 * MILIAR, 50 * MILIAR)),
    ),
    *_scale_by("business_capital", 1 * MILIAR, 5 * MILIAR, 10 * MILIAR),
    default=Value(""),
)


class Enterprise(TimestampedModel):
    """A micro, small or medium enterprise (UMKM) assisted by a centre."""

    name = models.CharField(_("nama usaha"), max_length=200)
    nib = models.CharField(
        _("NIB"),
        max_length=13,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_nib],
        error_messages={"unique": _("NIB ini sudah terdaftar untuk usaha lain.")},
    )
    kbli = models.CharField(
        _("KBLI"),
        max_length=5,
        blank=True,
        validators=[validate_kbli],
        help_text=_("Kode klasifikasi usaha KBLI 2020, 5 angka."),
    )
    business_capital = models.PositiveBigIntegerField(
        _("modal usaha (Rp)"),
        null=True,
        blank=True,
        help_text=_("Di luar tanah dan bangunan tempat usaha."),
    )
    annual_turnover = models.PositiveBigIntegerField(_("omzet tahunan (Rp)"), null=True, blank=True)
    scale = models.GeneratedField(
        expression=SCALE_EXPRESSION,
        output_field=models.CharField(max_length=10, choices=Scale.choices, blank=True),
        db_persist=True,
        verbose_name=_("skala usaha"),
    )
    employees = models.PositiveIntegerField(_("jumlah tenaga kerja"), default=0)
    regency = models.ForeignKey(
        "regions.Regency",
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("kabupaten/kota"),
    )
    address = models.TextField(_("alamat"), blank=True)
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("pemilik")
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("anggota koperasi"),
    )
    centre = CentreKey(
        "clinics.Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("PLUT pendamping"),
    )

    scope_paths = ScopePaths(province="regency__province", centre="centre", owner="owner__user")

    class Meta:
        ordering = ["name"]
        verbose_name = _("UMKM")
        verbose_name_plural = _("UMKM")
        indexes = [
            models.Index(fields=["centre", "name"]),
            models.Index(fields=["regency", "scale"]),
            # The national list's order (name, then id for the keyset cursor).
            models.Index(fields=["name", "id"], name="enterprise_name_id"),
            # An import finds a business without NIB by its name, case ignored.
            models.Index(Lower("name"), name="enterprise_name_lower"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        names_validate(self, "name")
        self.nib = self.nib or None

    def get_scale_display(self) -> str:
        # Django attaches choices to a GeneratedField's output field, not to the model, so
        # the usual get_FOO_display() is not generated for it.
        return Scale(self.scale).label if self.scale else ""


class NikView(models.Model):
    """One showing of a person's full NIK: who, when, which record, through which channel."""

    class Channel(models.TextChoices):
        PAGE = "page", _("halaman")
        API = "api", _("API")
        ADMIN = "admin", _("admin")

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="nik_views",
        verbose_name=_("dilihat oleh"),
    )
    person = models.ForeignKey(
        "cooperatives.Person",
        on_delete=models.CASCADE,
        related_name="nik_views",
        verbose_name=_("orang"),
    )
    # The person's centre when it was shown: the log stays in that centre's scope even if the
    # person later moves.
    centre = CentreKey(
        "clinics.Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("PLUT"),
    )
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    viewed_at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)

    scope_paths = ScopePaths(province="centre__province", centre="centre", owner="person__user")

    class Meta:
        # Made by plut.top.privacy until session 12: the table keeps its name.
        db_table = "privacy_nikview"
        ordering = ["-viewed_at", "-id"]
        verbose_name = _("pembukaan NIK")
        verbose_name_plural = _("pembukaan NIK")

    def __str__(self) -> str:
        return f"{self.viewer} → {self.person_id} ({self.viewed_at:%Y-%m-%d %H:%M})"
