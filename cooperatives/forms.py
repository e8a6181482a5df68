"""Forms for registering clients."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperatives.models import Enterprise, Gender
from cooperatives.validators import validate_nik
from plut.core.phone import phone_to_e164
from plut.regions.models import Regency


class EnterpriseRegisterForm(forms.Form):
    """A new enterprise and its owner, in one short form (fields are prefixed ``new``)."""

    name = forms.CharField(label=_("Nama usaha"), max_length=200)
    nib = forms.CharField(label=_("NIB (jika ada)"), required=False, max_length=13)
    kbli = forms.CharField(label=_("KBLI (jika tahu)"), required=False, max_length=5)
    regency = forms.ModelChoiceField(label=_("Kabupaten/kota"), queryset=Regency.objects.none())
    annual_turnover = forms.IntegerField(label=_("Omzet tahunan (Rp)"), required=False, min_value=0)
    employees = forms.IntegerField(label=_("Jumlah tenaga kerja"), min_value=0, initial=1)
    owner_name = forms.CharField(label=_("Nama pemilik"), max_length=200)
    owner_nik = forms.CharField(label=_("NIK pemilik (jika ada)"), required=False, max_length=16)
    owner_gender = forms.ChoiceField(
        label=_("Jenis kelamin pemilik"), choices=[("", "—"), *Gender.choices], required=False
    )
    owner_phone = forms.CharField(label=_("Telepon / WhatsApp pemilik"), required=False)
    confirm_new = forms.BooleanField(
        label=_("Ini bukan duplikat: tetap daftarkan"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, province_id: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        # Clients of a centre live in its province; the list stays short on a phone.
        self.fields["regency"].queryset = Regency.objects.filter(province_id=province_id)

    def clean_nib(self) -> str | None:
        nib = self.cleaned_data["nib"].strip() or None
        if nib:
            Enterprise._meta.get_field("nib").run_validators(nib)
            if Enterprise.objects.filter(nib=nib).exists():
                raise forms.ValidationError(_("NIB ini sudah terdaftar untuk usaha lain."))
        return nib

    def clean_kbli(self) -> str:
        kbli = self.cleaned_data["kbli"].strip()
        if kbli:
            Enterprise._meta.get_field("kbli").run_validators(kbli)
        return kbli

    def clean_owner_nik(self) -> str | None:
        nik = self.cleaned_data["owner_nik"].strip() or None
        if nik:
            validate_nik(nik)
        return nik

    def clean_owner_phone(self) -> str:
        phone = self.cleaned_data["owner_phone"].strip()
        return phone_to_e164(phone) if phone else ""

    def owner_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "full_name": data["owner_name"],
            "nik": data["owner_nik"],
            "gender": data["owner_gender"],
            "phone": data["owner_phone"],
            "regency": data["regency"],
        }

    def enterprise_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "nib": data["nib"],
            "kbli": data["kbli"],
            "regency": data["regency"],
            "annual_turnover": data["annual_turnover"],
            "employees": data["employees"] or 0,
        }
