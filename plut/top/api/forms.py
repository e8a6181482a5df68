from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.dates import BoundedDateField
from plut.foundation.core.widgets import DateInput
from plut.top.api.models import ImportKind, ImportMode
from plut.top.api.services import import_payload_check


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Nama token"),
        max_length=100,
        help_text=_("Untuk apa token ini, misalnya “Sistem data Dinas Provinsi”."),
    )
    expires_on = BoundedDateField(
        label=_("Berlaku sampai (opsional)"),
        required=False,
        widget=DateInput(),
    )

    otp_code = forms.CharField(
        label=_("Kode verifikasi dua langkah"),
        max_length=16,
        help_text=_("Kode terbaru dari aplikasi autentikator Anda."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, ask_code: bool, **kwargs: Any) -> None:
        """``ask_code``: the user has an authenticator app, whose code a new token needs."""
        super().__init__(*args, **kwargs)
        if not ask_code:
            del self.fields["otp_code"]

    def clean_expires_on(self) -> datetime.date | None:
        day = self.cleaned_data["expires_on"]
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("Pilih tanggal setelah hari ini."))
        return day

    def expires_at(self) -> datetime.datetime | None:
        """The end of the chosen day, on the server's clock (WIB)."""
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Berkas CSV atau XLSX"))
    kind = forms.ChoiceField(label=_("Jenis data"), choices=ImportKind.choices)
    mode = forms.ChoiceField(
        label=_("Jika ada baris yang tidak valid"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        import_payload_check(size=upload.size)
        return upload
