"""Where a dashboard looks (its place: the nation, a province, a centre) and how the URL narrows it.

Every choice a filter offers comes from the user's scope within the place, so a centre or
regency from elsewhere is not a valid value: a filter can narrow a dashboard, never widen it.
Each select costs one query, read once for both the choices and the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _

from clinics.models import Centre
from clinics.selectors import areas_by_code, centres_visible_to
from mentoring.models import Mode
from plut.foundation.accounts.scope import get_visible_or_404, scope_of
from plut.foundation.core.calendar import today_in
from plut.foundation.core.dates import BoundedDateField
from plut.foundation.core.widgets import DateInput, QuickSelect
from plut.foundation.regions.models import Province, Regency
from plut.top.dashboards.periods import DEFAULT_PRESET, MAX_DAYS, PRESETS, Period, preset_period

NATIONAL, PROVINCE, CENTRE = "national", "province", "centre"


@dataclass(frozen=True)
class Place:
    """The nation, one province or one centre: what a dashboard adds up."""

    level: str
    province: Province | None = None
    centre: Centre | None = None

    @property
    def name(self) -> str:
        if self.centre:
            return self.centre.name
        return self.province.name if self.province else "Indonesia"

    @property
    def zone(self) -> str:
        """The zone whose calendar says what "today" and "this month" are."""
        if self.centre:
            return self.centre.province.timezone
        return self.province.timezone if self.province else "Asia/Jakarta"

    @property
    def key(self) -> str | int | None:
        if self.centre:
            return self.centre.pk
        return self.province.code if self.province else None


@dataclass
class SystemReader:
    """Whom background jobs (reports, the weekly utilisation) read figures as: the national
    scope. Each job narrows to its place through ``Place``; who may later see the result is
    decided by the stored row's own scope."""

    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = True
    role: str = "national"
    pk: None = None


def place_for(user: Any, level: str, key: str | int | None = None) -> Place:
    """The place a URL names, or a 404 when it lies outside the user's scope."""
    if level == NATIONAL:
        if not scope_of(user).national:
            raise Http404
        return Place(NATIONAL)
    if level == PROVINCE:
        return Place(PROVINCE, province=get_visible_or_404(user, Province.objects.all(), code=key))
    centre = get_visible_or_404(user, Centre.objects.select_related("province"), pk=key)
    return Place(CENTRE, province=centre.province, centre=centre)


def home_place(user: Any) -> tuple[str, str | int | None]:
    """Where each role lands: the nation, its province, or its centre."""
    scope = scope_of(user)
    if scope.national:
        return NATIONAL, None
    if scope.province_code:
        return PROVINCE, scope.province_code
    if scope.centre_id:
        return CENTRE, scope.centre_id
    raise Http404


@dataclass(frozen=True)
class Filters:
    period: Period
    preset: str = DEFAULT_PRESET
    service_area: str = ""  # ServiceArea.code
    mode: str = ""
    centre: int | None = None
    regency: str = ""  # Regency.code
    # An invalid filter shows nothing rather than everything (it must never widen).
    invalid: bool = False
    errors: dict[str, Any] = field(default_factory=dict)

    def as_query(self) -> dict[str, Any]:
        """The filters as URL parameters (for links to other sections and levels)."""
        query: dict[str, Any] = {"period": self.preset}
        if self.preset == "custom":
            query |= {"date_from": self.period.start, "date_to": self.period.end}
        for name in ("service_area", "mode", "centre", "regency"):
            if value := getattr(self, name):
                query[name] = value
        return query

    def session_list_query(self) -> dict[str, Any]:
        """The same filters as the staff workspace's session list understands them."""
        query: dict[str, Any] = {
            "date_from": self.period.start.isoformat(),
            "date_to": self.period.end.isoformat(),
        }
        for name in ("service_area", "mode", "centre", "regency"):
            if value := getattr(self, name):
                query[name] = value
        return query


class DashboardFilterForm(forms.Form):
    # QuickSelect: a hundred centres rendered one template per <option> cost more than a
    # dashboard read from its snapshot.
    period = forms.ChoiceField(
        label=_("Periode"), choices=list(PRESETS.items()), required=False, widget=QuickSelect
    )
    date_from = BoundedDateField(label=_("Dari tanggal"), required=False, widget=DateInput)
    date_to = BoundedDateField(label=_("Sampai tanggal"), required=False, widget=DateInput)
    service_area = forms.ChoiceField(label=_("Bidang layanan"), required=False, widget=QuickSelect)
    mode = forms.ChoiceField(
        label=_("Cara"),
        required=False,
        choices=[("", _("Semua cara")), *Mode.choices],
        widget=QuickSelect,
    )
    centre = forms.TypedChoiceField(
        label=_("PLUT"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    regency = forms.ChoiceField(label=_("Kabupaten/kota UMKM"), required=False, widget=QuickSelect)

    def __init__(self, data: QueryDict, *, user: Any, place: Place) -> None:
        super().__init__(data)
        self.fields["service_area"].choices = [
            ("", _("Semua bidang")),
            *((code, area.name) for code, area in areas_by_code(active=False).items()),
        ]
        if place.level == CENTRE:
            del self.fields["centre"]
        else:
            centres = centres_visible_to(user).order_by("name")
            if place.province:
                centres = centres.filter(province=place.province)
            self.fields["centre"].choices = [
                ("", _("Semua PLUT")),
                *centres.values_list("pk", "name"),
            ]
        if place.level == NATIONAL:
            # 514 regencies are no list to pick from; open a province to narrow by regency.
            del self.fields["regency"]
        else:
            regencies = Regency.objects.filter(province=place.province).order_by("name")
            self.fields["regency"].choices = [
                ("", _("Semua kabupaten/kota")),
                *regencies.values_list("code", "name"),
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("date_from"), data.get("date_to")
            if self.has_error("date_from") or self.has_error("date_to"):
                return data  # the date's own error says what is wrong
            if not start or not end:
                raise forms.ValidationError(_("Isi kedua tanggal untuk rentang sendiri."))
            if end < start:
                raise forms.ValidationError(_("Tanggal akhir harus setelah tanggal awal."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("Rentang paling lama tiga tahun."))
        return data


def filters_from(
    data: QueryDict, *, user: Any, place: Place
) -> tuple[DashboardFilterForm, Filters]:
    if not data.get("period"):
        # The default preset, shown as chosen in the form (a bound form shows only its data).
        data = data.copy()
        data["period"] = DEFAULT_PRESET
    form = DashboardFilterForm(data, user=user, place=place)
    today = today_in(place.zone)
    if not form.is_valid():
        period = preset_period(DEFAULT_PRESET, today)
        return form, Filters(period=period, invalid=True, errors=form.errors)
    values = form.cleaned_data
    preset = values.get("period") or DEFAULT_PRESET
    if preset == "custom":
        period = Period(values["date_from"], values["date_to"])
    else:
        period = preset_period(preset, today)
    return form, Filters(
        period=period,
        preset=preset,
        service_area=values.get("service_area") or "",
        mode=values.get("mode") or "",
        centre=values.get("centre"),
        regency=values.get("regency") or "",
    )
