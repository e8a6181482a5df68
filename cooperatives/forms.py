"""Forms for registering clients and correcting their records.

Registering and correcting an enterprise share one set of fields and rules
(``EnterpriseFields``); a person's identifiers are read by the same functions whether they
arrive as a new owner or as a correction, so a record can never be saved on edit in a form
registration would refuse.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperatives.masking import nik_mask
from cooperatives.models import Cooperative, CooperativeType, Enterprise, Gender, Person
from cooperatives.validators import validate_nik
from plut.foundation.core.dates import BoundedDateField
from plut.foundation.core.models import TimestampedModel
from plut.foundation.core.phone import phone_mask, phone_to_e164
from plut.foundation.core.widgets import DateInput, PhoneInput
from plut.foundation.regions.models import Regency

# An identifier typed for a record while another record holds it. The message says only that
# it is taken: whose it is stays with those allowed to see that record (the view adds a link
# for them).
DUPLICATE = "duplicate"


def nik_clean(text: str) -> str | None:
    """A NIK as typed: spaces around it dropped, empty as None, else a valid NIK or an error."""
    nik = (text or "").strip() or None
    if nik:
        validate_nik(nik)
    return nik


def phone_clean(text: str) -> str:
    """A phone number as typed, in E.164 (``0812-3456-7890`` -> ``+6281234567890``), or ""."""
    phone = (text or "").strip()
    return phone_to_e164(phone) if phone else ""


def _refuse_taken(queryset: Any, field: str, record: Any, value: str) -> None:
    """Refuse ``value`` when a record other than ``record`` holds it, with the model's message."""
    if record is not None:
        queryset = queryset.exclude(pk=record.pk)
    if queryset.filter(**{field: value}).exists():
        message = queryset.model._meta.get_field(field).error_messages["unique"]
        raise forms.ValidationError(message, code=DUPLICATE)


class VersionedForm(forms.Form):
    """A form correcting a record, which carries the record's ``updated_at`` as loaded.

    The service refuses the save when the record changed since (another staff member saved it
    meanwhile), instead of silently overwriting their correction.
    """

    loaded_at = forms.CharField(widget=forms.HiddenInput)

    def loaded_at_set(self, record: TimestampedModel) -> None:
        """Take ``record``'s current version: the next submit saves over it knowingly."""
        value = record.updated_at.isoformat()
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_at")] = value
        else:
            self.initial["loaded_at"] = value

    def clean_loaded_at(self) -> datetime.datetime:
        try:
            moment = datetime.datetime.fromisoformat(self.cleaned_data["loaded_at"])
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise forms.ValidationError(
                _("Formulir ini tidak lengkap. Muat ulang halaman, lalu ubah lagi.")
            )
        return moment


class EnterpriseFields(forms.Form):
    """An enterprise's own fields and their rules, for registering and correcting alike."""

    name = forms.CharField(label=_("Nama usaha"), max_length=200)
    nib = forms.CharField(label=_("NIB (jika ada)"), required=False, max_length=13)
    kbli = forms.CharField(label=_("KBLI (jika tahu)"), required=False, max_length=5)
    regency = forms.ModelChoiceField(label=_("Kabupaten/kota"), queryset=Regency.objects.none())
    annual_turnover = forms.IntegerField(label=_("Omzet tahunan (Rp)"), required=False, min_value=0)
    employees = forms.IntegerField(label=_("Jumlah tenaga kerja"), min_value=0, initial=1)

    def __init__(
        self, *args: Any, province_id: str, enterprise: Enterprise | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The enterprise being corrected (None while registering): its own NIB is not a duplicate.
        self.enterprise = enterprise
        # Clients of a centre live in its province; the list stays short on a phone.
        self.fields["regency"].queryset = Regency.objects.filter(province_id=province_id)

    def clean_nib(self) -> str | None:
        nib = self.cleaned_data["nib"].strip() or None
        if nib:
            Enterprise._meta.get_field("nib").run_validators(nib)
            _refuse_taken(Enterprise.objects.all(), "nib", self.enterprise, nib)
        return nib

    def clean_kbli(self) -> str:
        kbli = self.cleaned_data["kbli"].strip()
        if kbli:
            Enterprise._meta.get_field("kbli").run_validators(kbli)
        return kbli

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


class EnterpriseRegisterForm(EnterpriseFields):
    """A new enterprise and its owner, in one short form (fields are prefixed ``new``)."""

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
        super().__init__(*args, province_id=province_id, **kwargs)

    def clean_owner_nik(self) -> str | None:
        return nik_clean(self.cleaned_data["owner_nik"])

    def clean_owner_phone(self) -> str:
        return phone_clean(self.cleaned_data["owner_phone"])

    def owner_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "full_name": data["owner_name"],
            "nik": data["owner_nik"],
            "gender": data["owner_gender"],
            "phone": data["owner_phone"],
            "regency": data["regency"],
        }


class EnterpriseEditForm(EnterpriseFields, VersionedForm):
    """Correct an enterprise: the registration's fields and rules, and the figures and address
    registration leaves for later."""

    business_capital = forms.IntegerField(
        label=_("Modal usaha (Rp)"),
        required=False,
        min_value=0,
        help_text=_("Di luar tanah dan bangunan tempat usaha."),
    )
    address = forms.CharField(
        label=_("Alamat"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    field_order = [
        "name",
        "nib",
        "kbli",
        "regency",
        "address",
        "business_capital",
        "annual_turnover",
        "employees",
    ]

    def __init__(self, *args: Any, enterprise: Enterprise, province_id: str, **kwargs: Any) -> None:
        initial = {
            "name": enterprise.name,
            "nib": enterprise.nib or "",
            "kbli": enterprise.kbli,
            "regency": enterprise.regency_id,
            "address": enterprise.address,
            "business_capital": enterprise.business_capital,
            "annual_turnover": enterprise.annual_turnover,
            "employees": enterprise.employees,
            "loaded_at": enterprise.updated_at.isoformat(),
        }
        super().__init__(
            *args, province_id=province_id, enterprise=enterprise, initial=initial, **kwargs
        )
        self.fields["nib"].label = _("NIB")
        self.fields["kbli"].label = _("KBLI")

    def values(self) -> dict[str, Any]:
        return {
            **self.enterprise_values(),
            "business_capital": self.cleaned_data["business_capital"],
            "address": self.cleaned_data["address"].strip(),
        }


class PersonEditForm(VersionedForm):
    """Correct an owner or board member. The NIK is never put into the page: it is typed in
    full only to change it. The phone is shown to those who may read it in full (the serving
    centre's staff); others type a new one only to change it."""

    full_name = forms.CharField(label=_("Nama lengkap"), max_length=200)
    nik = forms.CharField(
        label=_("NIK baru"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    gender = forms.ChoiceField(
        label=_("Jenis kelamin"), choices=[("", "—"), *Gender.choices], required=False
    )
    phone = forms.CharField(
        label=_("Telepon / WhatsApp"),
        required=False,
        # Someone else's number: the browser must not offer the user's own.
        widget=PhoneInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    regency = forms.ModelChoiceField(
        label=_("Kabupaten/kota domisili"), queryset=Regency.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, person: Person, province_id: str | None, phone_shown: bool, **kwargs: Any
    ) -> None:
        self.person = person
        self.phone_shown = phone_shown
        initial = {
            "full_name": person.full_name,
            "gender": person.gender,
            "phone": person.phone if phone_shown else "",
            "email": person.email,
            "regency": person.regency_id,
            "loaded_at": person.updated_at.isoformat(),
        }
        super().__init__(*args, initial=initial, **kwargs)
        regencies = Regency.objects.all()
        self.fields["regency"].queryset = (
            regencies.filter(province_id=province_id) if province_id else regencies
        )
        if person.nik:
            self.fields["nik"].help_text = _(
                "NIK tersimpan: %(masked)s. Kosongkan jika tidak berubah; ketik 16 angka NIK "
                "baru hanya untuk mengubahnya."
            ) % {"masked": nik_mask(person.nik)}
        else:
            self.fields["nik"].label = _("NIK (jika ada)")
        if not phone_shown:
            self.fields["phone"].label = _("Telepon / WhatsApp baru")
            if person.phone:
                self.fields["phone"].help_text = _(
                    "Nomor tersimpan: %(masked)s. Kosongkan jika tidak berubah."
                ) % {"masked": phone_mask(person.phone)}

    def clean_nik(self) -> str | None:
        nik = nik_clean(self.cleaned_data["nik"])
        if nik and nik != self.person.nik:
            _refuse_taken(Person.objects.all(), "nik", self.person, nik)
        return nik

    def clean_phone(self) -> str:
        return phone_clean(self.cleaned_data["phone"])

    def values(self) -> dict[str, Any]:
        """The fields to write. A NIK left empty keeps the one on record, and so does a phone
        left empty by someone who was not shown it."""
        data = self.cleaned_data
        values = {
            "full_name": data["full_name"],
            "gender": data["gender"],
            "email": data["email"],
            "regency": data["regency"],
        }
        if data["nik"]:
            values["nik"] = data["nik"]
        if data["phone"] or self.phone_shown:
            values["phone"] = data["phone"]
        return values


class CooperativeEditForm(VersionedForm):
    """Correct a cooperative: its identifiers, legal entity, RAT and size."""

    name = forms.CharField(label=_("Nama koperasi"), max_length=200)
    number = forms.CharField(
        label=_("Nomor Induk Koperasi"),
        required=False,
        max_length=16,
        help_text=_("16 angka, dari sistem data ODS Kementerian."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    legal_entity_number = forms.CharField(
        label=_("Nomor badan hukum"), required=False, max_length=100
    )
    legal_entity_date = BoundedDateField(
        label=_("Tanggal badan hukum"), required=False, widget=DateInput
    )
    type = forms.ChoiceField(label=_("Jenis koperasi"), choices=CooperativeType.choices)
    regency = forms.ModelChoiceField(label=_("Kabupaten/kota"), queryset=Regency.objects.none())
    address = forms.CharField(
        label=_("Alamat"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    members = forms.IntegerField(label=_("Jumlah anggota"), min_value=0)
    workforce = forms.IntegerField(label=_("Jumlah karyawan"), min_value=0)
    last_rat_on = BoundedDateField(
        label=_("Tanggal RAT terakhir"),
        required=False,
        widget=DateInput,
        help_text=_("Rapat Anggota Tahunan; koperasi aktif bila RAT-nya masih dalam jangka."),
    )

    def __init__(
        self, *args: Any, cooperative: Cooperative, province_id: str, **kwargs: Any
    ) -> None:
        self.cooperative = cooperative
        initial = {
            "name": cooperative.name,
            "number": cooperative.number or "",
            "legal_entity_number": cooperative.legal_entity_number,
            "legal_entity_date": cooperative.legal_entity_date,
            "type": cooperative.type,
            "regency": cooperative.regency_id,
            "address": cooperative.address,
            "members": cooperative.members,
            "workforce": cooperative.workforce,
            "last_rat_on": cooperative.last_rat_on,
            "loaded_at": cooperative.updated_at.isoformat(),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["regency"].queryset = Regency.objects.filter(province_id=province_id)

    def clean_number(self) -> str | None:
        number = self.cleaned_data["number"].strip() or None
        if number:
            Cooperative._meta.get_field("number").run_validators(number)
            _refuse_taken(Cooperative.objects.all(), "number", self.cooperative, number)
        return number

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "number": data["number"],
            "legal_entity_number": data["legal_entity_number"].strip(),
            "legal_entity_date": data["legal_entity_date"],
            "type": data["type"],
            "regency": data["regency"],
            "address": data["address"].strip(),
            "members": data["members"],
            "workforce": data["workforce"],
            "last_rat_on": data["last_rat_on"],
        }
