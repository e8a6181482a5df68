"""Users and their roles. A role decides the scope: nation, one province, one centre, or self."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.names import names_validate

if TYPE_CHECKING:
    from plut.foundation.accounts.scope import Scope


class Role(models.TextChoices):
    NATIONAL = "national", _("Administrator nasional (Kemenkop UKM)")
    PROVINCIAL = "provincial", _("Petugas Dinas Koperasi dan UKM provinsi")
    MANAGER = "manager", _("Manajer / kepala UPTD PLUT")
    CONSULTANT = "consultant", _("Konsultan pendamping")
    OWNER = "owner", _("Pelaku UMKM / pengurus koperasi")


# Roles whose scope is one centre; their centre comes from clinics.StaffMembership.
CENTRE_ROLES = frozenset({Role.MANAGER, Role.CONSULTANT})


class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.OWNER)
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("provinsi"),
        help_text=_("Hanya untuk petugas provinsi: provinsi yang diawasi."),
    )
    # Owners sign up themselves. Their email counts only once they open the link sent to it:
    # an unverified address never attaches anyone's records to the account.
    email_verified_at = models.DateTimeField(_("email diverifikasi pada"), null=True, blank=True)
    consent = models.ForeignKey(
        "ConsentText",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("persetujuan data yang disetujui"),
    )
    consent_at = models.DateTimeField(_("disetujui pada"), null=True, blank=True)
    # The language the user reads: pages after login and every email or message sent to them
    # (plut.foundation.core.middleware applies it; the language switch stores it).
    language = models.CharField(
        _("bahasa"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # Part of the session hash: raising it ends every session of the user at once ("keluar
    # dari semua perangkat"), without touching the password (plut.foundation.accounts.services).
    session_generation = models.PositiveIntegerField(_("generasi sesi"), default=0, editable=False)
    # Not a column: the scope plut.foundation.accounts.scope.scope_of worked out, kept on this
    # object.
    _plut_scope: Scope

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            # An officer without a province would see nothing, or (worse) be mistaken for
            # national; the database refuses both the missing and the stray province.
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.PROVINCIAL, province__isnull=False)
                    | (~models.Q(role=Role.PROVINCIAL) & models.Q(province__isnull=True))
                ),
                name="user_province_only_for_officers",
                violation_error_message=_(
                    "Petugas provinsi wajib memiliki provinsi; peran lain tidak boleh."
                ),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        names_validate(self, "first_name", "last_name")
        if self.role == Role.PROVINCIAL and self.province_id is None:
            raise ValidationError({"province": _("Petugas provinsi wajib memilih provinsi.")})
        if self.role != Role.PROVINCIAL and self.province_id is not None:
            raise ValidationError({"province": _("Hanya petugas provinsi yang memiliki provinsi.")})

    @property
    def display_name(self) -> str:
        """How lists, dropdowns and exports name a staff member: full name, else username."""
        return self.name_shown(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_shown(first_name: str, last_name: str, username: str) -> str:
        """``display_name`` from the three columns, for lists that read them without models."""
        return f"{first_name} {last_name}".strip() or username

    @property
    def is_centre_staff(self) -> bool:
        return self.role in CENTRE_ROLES

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django signs sessions with a hash of the password; the generation joins it, so
        # "log out everywhere" invalidates them all. Generation 0 keeps Django's own hash, so
        # sessions opened before this field existed stay valid.
        if not self.session_generation:
            # Django's private hook (sessions signed with SECRET_KEY_FALLBACKS are checked
            # through it too), which django-stubs does not declare.
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "plut.foundation.accounts.models.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class ConsentText(models.Model):
    """A published version of the data-processing consent (UU 27/2022 on personal data).

    Texts are never edited once accepted by someone: a change is a new version, and each
    booking or account keeps the version its owner agreed to.
    """

    version = models.CharField(_("versi"), max_length=20, unique=True)
    body = models.TextField(_("isi persetujuan"))
    published_at = models.DateTimeField(_("berlaku sejak"))

    class Meta:
        ordering = ["-published_at"]
        get_latest_by = "published_at"
        verbose_name = _("teks persetujuan")
        verbose_name_plural = _("teks persetujuan")

    def __str__(self) -> str:
        return self.version
