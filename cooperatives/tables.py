"""The enterprise and cooperative lists' tables (plut.foundation.core.tables), and the columns they
read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from cooperatives.models import Cooperative, CooperativeType, Enterprise, Scale
from plut.foundation.core.phone import phone_mask
from plut.foundation.core.tables import Column, Table, day, integer, url_by_pk


def _centre_column(several_centres: bool) -> list[Column]:
    # Staff of one centre see only its clients: the column would repeat its name.
    if not several_centres:
        return []
    return [Column(_("PLUT"), lambda row: row.centre.name if row.centre else "")]


def enterprises_for_table(queryset: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Only what the cells read (and the sort keys): full rows of the enterprise, its owner,
    regency and centre were most of the page's Python time."""
    return (
        queryset.select_related(None)
        .select_related("owner", "regency", "centre")
        .only(
            "name",
            "nib",
            "scale",
            "created_at",
            "owner__full_name",
            "owner__phone",
            "regency__name",
            "centre__name",
        )
    )


def enterprise_table(
    enterprises: Iterable[Enterprise], *, several_centres: bool, empty: Any
) -> Table[Enterprise]:
    profile = url_by_pk("mentoring:enterprise_profile")
    scales = {value: str(label) for value, label in Scale.choices}
    columns = [
        Column(_("Nama usaha"), lambda e: e.name, link=lambda e: profile(e.pk)),
        Column(_("NIB"), lambda e: e.nib),
        Column(_("Pemilik"), lambda e: e.owner.full_name),
        Column(_("Telepon"), lambda e: phone_mask(e.owner.phone)),
        Column(_("Skala"), lambda e: scales.get(e.scale, "")),
        Column(_("Kabupaten/kota"), lambda e: e.regency.name),
        *_centre_column(several_centres),
    ]
    return Table(columns, enterprises, empty=empty)


def cooperatives_for_table(queryset: QuerySet[Cooperative]) -> QuerySet[Cooperative]:
    return (
        queryset.select_related(None)
        .select_related("regency")
        .only("name", "number", "type", "members", "last_rat_on", "regency__name")
    )


def cooperative_table(cooperatives: Iterable[Cooperative], *, empty: Any) -> Table[Cooperative]:
    profile = url_by_pk("mentoring:cooperative_profile")
    types = {value: str(label) for value, label in CooperativeType.choices}
    yes, no = _t("Ya"), _t("Tidak")
    columns = [
        Column(_("Nama koperasi"), lambda c: c.name, link=lambda c: profile(c.pk)),
        Column(_("Nomor Induk Koperasi"), lambda c: c.number),
        Column(_("Jenis"), lambda c: types.get(c.type, c.type)),
        Column(_("Kabupaten/kota"), lambda c: c.regency.name),
        Column(_("Anggota"), lambda c: integer(c.members)),
        Column(_("RAT terakhir"), lambda c: day(c.last_rat_on)),
        Column(_("Aktif"), lambda c: yes if c.is_active_now else no),
    ]
    return Table(columns, cooperatives, empty=empty)
