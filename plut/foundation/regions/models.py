"""Indonesia's provinces and regencies/cities, keyed by their Kemendagri codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.dates import TimeZone
from plut.foundation.core.models import ScopePaths


class Province(models.Model):
    code = models.CharField(_("kode Kemendagri"), max_length=2, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    timezone = models.CharField(_("zona waktu"), max_length=20, choices=TimeZone.choices)

    # Anyone may read the reference; this path is for province dashboards, which an officer
    # sees only for their own province.
    scope_paths = ScopePaths(province="code", centre=None, owner=None)

    class Meta:
        ordering = ["code"]
        verbose_name = _("provinsi")
        verbose_name_plural = _("provinsi")

    def __str__(self) -> str:
        return self.name

    @property
    def timezone_label(self) -> str:
        """WIB, WITA or WIT: how Indonesians name the zone next to a time."""
        return TimeZone(self.timezone).label


class Regency(models.Model):
    """A kabupaten (regency) or kota (city); Kemendagri calls both level 2."""

    code = models.CharField(_("kode Kemendagri"), max_length=5, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regencies", verbose_name=_("provinsi")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("kabupaten/kota")
        verbose_name_plural = _("kabupaten/kota")

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.name.startswith("Kota ")
