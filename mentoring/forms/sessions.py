"""The session log form: everything a consultant records about one mentoring session."""

from __future__ import annotations

import datetime
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Centre
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.models import Mode, SessionFormat
from plut.foundation.core.dates import BoundedDateField
from plut.foundation.core.widgets import DateInput

# A session is logged after it happened; a little slack covers clocks and slow typing.
FUTURE_SLACK = datetime.timedelta(minutes=15)


class SessionForm(forms.Form):
    service_area = forms.ModelChoiceField(
        label=_("Bidang layanan"), queryset=None, empty_label=None
    )
    mode = forms.ChoiceField(
        label=_("Cara"), choices=Mode.choices, widget=forms.RadioSelect, initial=Mode.IN_PERSON
    )
    meeting_link = forms.URLField(
        label=_("Tautan pertemuan daring"), required=False, assume_scheme="https"
    )
    format = forms.ChoiceField(
        label=_("Bentuk"),
        choices=SessionFormat.choices,
        widget=forms.RadioSelect,
        initial=SessionFormat.INDIVIDUAL,
    )
    date = BoundedDateField(label=_("Tanggal"), widget=DateInput())
    start_time = forms.TimeField(
        label=_("Jam mulai"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Durasi (menit)"), min_value=5, max_value=600, initial=60
    )
    topic = forms.CharField(label=_("Topik"), max_length=200)
    problems = forms.CharField(
        label=_("Masalah yang ditemukan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    advice = forms.CharField(
        label=_("Saran yang diberikan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_minutes = forms.IntegerField(
        label=_("Waktu kontak (menit)"),
        min_value=0,
        max_value=1440,
        required=False,
        help_text=_("Kosongkan untuk memakai durasi sesi."),
    )
    preparation_minutes = forms.IntegerField(
        label=_("Waktu persiapan (menit)"), min_value=0, max_value=1440, initial=0
    )
    travel_minutes = forms.IntegerField(
        label=_("Waktu perjalanan (menit)"), min_value=0, max_value=1440, initial=0
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=_("UMKM"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    attended = forms.ModelMultipleChoiceField(
        label=_("Hadir"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    cooperatives = forms.ModelMultipleChoiceField(
        label=_("Koperasi"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, centre: Centre, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.centre = centre
        self.fields["service_area"].queryset = centre.service_areas.filter(is_active=True)
        clients = enterprises_visible_to(user).filter(centre=centre)
        self.fields["enterprises"].queryset = clients
        self.fields["attended"].queryset = clients
        self.fields["cooperatives"].queryset = cooperatives_visible_to(user).filter(centre=centre)
        if not self.is_bound:
            now = timezone.localtime(timezone.now(), ZoneInfo(centre.timezone))
            self.initial.setdefault("date", now.date())
            self.initial.setdefault(
                "start_time", now.replace(minute=0, second=0, microsecond=0).time()
            )
            self.initial.setdefault("submission_key", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mode") == Mode.ONLINE and not data.get("meeting_link"):
            self.add_error("meeting_link", _("Sesi daring wajib memiliki tautan pertemuan."))
        enterprises = data.get("enterprises") or []
        cooperatives = data.get("cooperatives") or []
        if not enterprises and not cooperatives:
            raise forms.ValidationError(
                _("Tambahkan minimal satu UMKM atau koperasi yang didampingi."), code="no_client"
            )
        if data.get("format") == SessionFormat.INDIVIDUAL and len(enterprises) > 1:
            self.add_error(
                "format",
                _("Sesi individu hanya untuk satu UMKM; pilih “Kelompok” untuk beberapa peserta."),
            )
        if data.get("date") and data.get("start_time"):
            starts_at = self.starts_at
            if starts_at > timezone.now() + FUTURE_SLACK:
                self.add_error("date", _("Sesi belum terjadi: catat sesi setelah berlangsung."))
        return data

    @property
    def starts_at(self) -> datetime.datetime:
        """The start, read in the centre's own zone (WIB, WITA or WIT)."""
        data = self.cleaned_data
        return datetime.datetime.combine(
            data["date"], data["start_time"], tzinfo=ZoneInfo(self.centre.timezone)
        )

    def session_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        starts_at = self.starts_at
        minutes = data["duration_minutes"]
        return {
            "service_area": data["service_area"],
            "mode": data["mode"],
            "format": data["format"],
            "meeting_link": data["meeting_link"] if data["mode"] == Mode.ONLINE else "",
            "starts_at": starts_at,
            "ends_at": starts_at + datetime.timedelta(minutes=minutes),
            "topic": data["topic"],
            "problems": data["problems"],
            "advice": data["advice"],
            "contact_minutes": minutes
            if data["contact_minutes"] is None
            else data["contact_minutes"],
            "preparation_minutes": data["preparation_minutes"],
            "travel_minutes": data["travel_minutes"],
        }

    def attendance(self) -> dict[int, bool]:
        """enterprise id -> attended. In an individual session the one client was there."""
        data = self.cleaned_data
        attended = {e.pk for e in data["attended"]}
        individual = data["format"] == SessionFormat.INDIVIDUAL
        return {e.pk: individual or e.pk in attended for e in data["enterprises"]}


class FollowUpForm(forms.Form):
    action = forms.CharField(label=_("Tindak lanjut"), max_length=300, required=False)
    due_on = BoundedDateField(
        label=_("Tenggat"),
        required=False,
        widget=DateInput(),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") and not data.get("due_on"):
            self.add_error("due_on", _("Isi tenggat untuk tindak lanjut ini."))
        if data.get("due_on") and not data.get("action"):
            self.add_error("action", _("Tuliskan tindak lanjutnya."))
        return data


class BaseFollowUpFormSet(forms.BaseFormSet):
    def __init__(
        self, *args: Any, session_date: datetime.date | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.session_date = session_date

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            due = form.cleaned_data.get("due_on") if hasattr(form, "cleaned_data") else None
            if due and self.session_date and due < self.session_date:
                form.add_error("due_on", _("Tenggat tidak boleh sebelum tanggal sesi."))

    def actions(self) -> list[dict[str, Any]]:
        return [
            {"action": f.cleaned_data["action"], "due_on": f.cleaned_data["due_on"]}
            for f in self.forms
            if f.cleaned_data.get("action")
        ]


FollowUpFormSet = forms.formset_factory(
    FollowUpForm, formset=BaseFollowUpFormSet, extra=3, max_num=10
)
