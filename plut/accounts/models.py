"""Users and their roles. A role decides the scope: nation, one province, one centre, or self."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


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
        if self.role == Role.PROVINCIAL and self.province_id is None:
            raise ValidationError({"province": _("Petugas provinsi wajib memilih provinsi.")})
        if self.role != Role.PROVINCIAL and self.province_id is not None:
            raise ValidationError({"province": _("Hanya petugas provinsi yang memiliki provinsi.")})

    @property
    def is_centre_staff(self) -> bool:
        return self.role in CENTRE_ROLES
