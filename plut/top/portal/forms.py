"""The public directory's filters, on the home page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from clinics.centre_cache import all_regencies, provinces
from clinics.models import Centre
from clinics.selectors import areas_by_code, centres_directory
from plut.foundation.core.widgets import QuickSelect
from plut.foundation.regions.models import Regency


def regencies_of(province: str | None) -> list[Regency]:
    """The regencies the directory offers, in code order: the province's (none for a code that
    names no province), or all without one. From the rows each process keeps: no query."""
    return [
        regency for regency in all_regencies() if not province or regency.province_id == province
    ]


def offered_regencies(province: str | None) -> dict[str, list[dict[str, str]]]:
    """The regency dropdown's choices for ``province``, as js/list_filters.js reads them."""
    return {"regency": [{"value": row.code, "label": row.name} for row in regencies_of(province)]}


class DirectoryForm(forms.Form):
    """The fields, choices and validation of ``clinics.selectors.PublicCentreFilter`` (the
    API's), offered from the rows each process keeps (clinics.centre_cache) and drawn in
    Python (QuickSelect): the filter's querysets, a model per option and Django's template
    per <option> (514 regencies) were most of the page's time."""

    province = forms.ChoiceField(
        label=_("Provinsi"),
        required=False,
        # With scripts on, choosing a province narrows the regencies at once
        # (js/list_filters.js asks views.regency_options); without, the next submit does.
        widget=QuickSelect(
            attrs={
                "data-options-url": reverse_lazy("portal:regency_options"),
                "aria-controls": "id_regency",
            }
        ),
    )
    regency = forms.ChoiceField(label=_("Kabupaten/kota"), required=False, widget=QuickSelect)
    area = forms.ChoiceField(label=_("Bidang layanan"), required=False, widget=QuickSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # With a province chosen, only its regencies: all 514 made a list no phone can scroll.
        regencies = regencies_of((self.data or {}).get("province"))
        offered = {
            "province": (_("Semua provinsi"), [(row.code, row.name) for row in provinces()]),
            "regency": (_("Semua kabupaten/kota"), [(row.code, row.name) for row in regencies]),
            "area": (
                _("Semua bidang"),
                [(code, area.name) for code, area in areas_by_code(active=True).items()],
            ),
        }
        for name, (everything, rows) in offered.items():
            cast(forms.ChoiceField, self.fields[name]).choices = [("", everything), *rows]

    def centres(self) -> list[Centre]:
        """The active centres that fit the valid filters (an invalid one narrows nothing,
        as with the FilterSet)."""
        if not self.is_bound:
            return centres_directory()
        self.is_valid()  # cleans: cleaned_data then holds the valid filters only
        return centres_directory(
            province=self.cleaned_data.get("province"),
            regency=self.cleaned_data.get("regency"),
            area=self.cleaned_data.get("area"),
        )

    @property
    def chosen_area(self) -> str:
        """The code of the area asked for, when every filter is valid: the booking starts
        with it."""
        return self.cleaned_data["area"] if self.is_bound and self.is_valid() else ""
