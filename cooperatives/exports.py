"""The downloads of the enterprise and cooperative lists (plut.foundation.exports): the same
scoped FilterSets as the lists, so a file holds exactly the rows the screen shows. Lists never
show a NIK, and phones only masked; the files neither. Imported by CooperativesConfig.ready, so
a worker writing a large one knows them too."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from cooperatives.filters import CooperativeFilter, EnterpriseFilter
from cooperatives.models import Cooperative, Enterprise, Scale
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from plut.foundation.accounts.models import User
from plut.foundation.core.phone import phone_mask
from plut.foundation.exports.registry import ListExport, export_register

# --- Enterprises ----------------------------------------------------------------------------


def enterprises_filtered(user: User, params: QueryDict) -> EnterpriseFilter:
    """The enterprise list's FilterSet (the page and its download)."""
    return EnterpriseFilter(params, queryset=enterprises_visible_to(user), user=user)


def _scale_label(enterprise: Enterprise) -> str:
    # The generated column has no get_scale_display().
    return str(Scale(enterprise.scale).label) if enterprise.scale else ""


def _enterprise_rows(enterprises: Iterable[Enterprise]) -> Iterator[list[Any]]:
    for enterprise in enterprises:
        yield [
            enterprise.pk,
            enterprise.name,
            enterprise.nib or "",
            enterprise.kbli,
            enterprise.owner.full_name,
            phone_mask(enterprise.owner.phone),
            _scale_label(enterprise),
            enterprise.employees,
            enterprise.regency.name,
            enterprise.centre.name if enterprise.centre else "",
        ]


ENTERPRISES = export_register(
    ListExport(
        name="enterprises",
        title=_("UMKM"),
        filename="umkm",
        headers=[
            _("ID"),
            _("Nama usaha"),
            _("NIB"),
            _("KBLI"),
            _("Pemilik"),
            _("Telepon pemilik (disamarkan)"),
            _("Skala usaha"),
            _("Jumlah tenaga kerja"),
            _("Kabupaten/kota"),
            _("PLUT"),
        ],
        filterset=enterprises_filtered,
        rows=_enterprise_rows,
    )
)


# --- Cooperatives ---------------------------------------------------------------------------


def cooperatives_filtered(user: User, params: QueryDict) -> CooperativeFilter:
    """The cooperative list's FilterSet (the page and its download)."""
    # Active or not is worked out by the database for every row at once.
    queryset = cooperatives_visible_to(user).with_is_active()
    return CooperativeFilter(params, queryset=queryset, user=user)


def _cooperative_rows(cooperatives: Iterable[Cooperative]) -> Iterator[list[Any]]:
    yes, no = _t("Ya"), _t("Tidak")
    for cooperative in cooperatives:
        yield [
            cooperative.pk,
            cooperative.name,
            cooperative.number or "",
            cooperative.get_type_display(),
            cooperative.regency.name,
            cooperative.centre.name if cooperative.centre else "",
            cooperative.members,
            cooperative.last_rat_on,
            yes if cooperative.is_active_now else no,
        ]


COOPERATIVES = export_register(
    ListExport(
        name="cooperatives",
        title=_("Koperasi"),
        filename="koperasi",
        headers=[
            _("ID"),
            _("Nama koperasi"),
            _("Nomor Induk Koperasi"),
            _("Jenis koperasi"),
            _("Kabupaten/kota"),
            _("PLUT"),
            _("Jumlah anggota"),
            _("Tanggal RAT terakhir"),
            _("Aktif"),
        ],
        filterset=cooperatives_filtered,
        rows=_cooperative_rows,
    )
)
