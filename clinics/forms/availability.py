"""Forms for availability: weekly working windows, absences, and the centre's booking policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clinics.models import Absence, AbsenceKind, Centre, Weekday, WorkingHours
from clinics.services.availability import (
    BOOKING_POLICY_FIELDS,
    HoursWindow,
    hours_windows_check,
)
from plut.foundation.core.dates import BoundedDateField
from plut.foundation.core.widgets import DateInput


def _time_widget() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class WorkingWindowForm(forms.Form):
    """One window of a weekday: several per day are fine (08:00-12:00 and 13:00-16:00)."""

    weekday = forms.TypedChoiceField(
        label=_("Hari"),
        choices=[("", _("— pilih hari —")), *Weekday.choices],
        coerce=int,
    )
    starts = forms.TimeField(label=_("Mulai"), widget=_time_widget())
    ends = forms.TimeField(label=_("Selesai"), widget=_time_widget())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends <= starts:
            self.add_error("ends", _("Jam selesai harus setelah jam mulai."))
        return data


class BaseWorkingWindowFormSet(forms.BaseFormSet):
    """The week: blank extra rows are ignored, ticked rows are removed, overlaps refused."""

    def windows(self) -> list[HoursWindow]:
        return [
            HoursWindow(
                form.cleaned_data["weekday"], form.cleaned_data["starts"], form.cleaned_data["ends"]
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        try:
            hours_windows_check(self.windows())
        except ValidationError as error:
            raise ValidationError(error.messages) from None


WorkingWindowFormSet = forms.formset_factory(
    WorkingWindowForm, formset=BaseWorkingWindowFormSet, extra=3, can_delete=True, max_num=42
)


def hours_initial(rows: list[WorkingHours]) -> list[dict[str, Any]]:
    return [{"weekday": row.weekday, "starts": row.starts, "ends": row.ends} for row in rows]


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["starts_on", "ends_on", "kind", "note"]
        field_classes = {"starts_on": BoundedDateField, "ends_on": BoundedDateField}
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("— pilih jenis —")), *AbsenceKind.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("Tanggal akhir tidak boleh sebelum tanggal mulai."))
        return data


class BookingPolicyForm(forms.ModelForm):
    """The centre's booking rules, with the bounds a centre may choose within."""

    min_notice_minutes = forms.IntegerField(
        label=_("Pemberitahuan minimum (menit)"),
        min_value=0,
        max_value=10080,
        help_text=_("0–10080 (satu minggu). Slot yang lebih cepat dari ini tidak ditawarkan."),
    )
    buffer_minutes = forms.IntegerField(
        label=_("Jeda antar-konsultasi (menit)"),
        min_value=0,
        max_value=120,
        help_text=_("0–120. Waktu kosong sebelum dan sesudah setiap konsultasi."),
    )
    owner_change_cutoff_hours = forms.IntegerField(
        label=_("Batas ubah/batal oleh pelaku usaha (jam sebelum)"),
        min_value=0,
        max_value=336,
        help_text=_("0–336. Setelah batas ini hanya staf yang dapat mengubah pemesanan."),
    )
    open_bookings_cap = forms.IntegerField(
        label=_("Maksimum pemesanan aktif per telepon/email"),
        min_value=1,
        max_value=10,
        help_text=_("1–10."),
    )

    class Meta:
        model = Centre
        fields = list(BOOKING_POLICY_FIELDS)
