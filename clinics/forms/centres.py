"""Forms for the centre's team (inviting staff, the areas they cover, moving them) and for the
centre's public details."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clinics.models import Centre, ServiceArea
from clinics.services.centres import CENTRE_DETAILS_FIELDS
from plut.foundation.accounts.models import Role
from plut.foundation.core.phone import phone_to_e164
from plut.foundation.core.widgets import PhoneInput


class StaffAreasForm(forms.Form):
    """The areas a staff member covers: checkboxes of what their centre offers, nothing else."""

    areas = forms.ModelMultipleChoiceField(
        label=_("Bidang yang ditangani"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, centre: Centre, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = centre.service_areas.filter(is_active=True)


class StaffInviteForm(StaffAreasForm):
    first_name = forms.CharField(label=_("Nama depan"), max_length=150)
    # Many Indonesians have a single name.
    last_name = forms.CharField(label=_("Nama belakang"), max_length=150, required=False)
    # The email becomes the username, which Django caps at 150 characters.
    email = forms.EmailField(label=_("Email"), max_length=150)
    role = forms.ChoiceField(
        label=_("Peran"),
        choices=[(Role.CONSULTANT, Role.CONSULTANT.label), (Role.MANAGER, Role.MANAGER.label)],
        initial=Role.CONSULTANT,
        widget=forms.RadioSelect,
    )

    field_order = ["first_name", "last_name", "email", "role", "areas"]


class StaffMoveForm(forms.Form):
    """Where a staff member goes: one of the centres the mover sees, other than theirs."""

    centre = forms.ModelChoiceField(
        label=_("Pindahkan ke PLUT"),
        queryset=Centre.objects.none(),
        empty_label=_("— pilih PLUT —"),
        error_messages={
            "required": _("Pilih PLUT tujuan."),
            "invalid_choice": _("PLUT ini tidak dapat dipilih."),
        },
    )

    def __init__(self, *args: Any, centres: QuerySet[Centre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres


class CentreDetailsForm(forms.ModelForm):
    """What the public page shows of a centre: where it is, how to reach it, when it is open
    and what it advises on."""

    address = forms.CharField(
        label=_("Alamat"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    map_url = forms.URLField(
        label=_("Tautan peta"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Tautan “Bagikan” dari Google Maps atau OpenStreetMap, diawali https://."),
        error_messages={"invalid": _("Tautan peta tidak valid. Salin tautan lengkap dari peta.")},
    )
    service_areas = forms.ModelMultipleChoiceField(
        label=_("Bidang layanan yang ditawarkan"),
        queryset=ServiceArea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Pilih dari bidang layanan yang aktif.")},
    )

    class Meta:
        model = Centre
        fields = [*CENTRE_DETAILS_FIELDS, "service_areas"]
        widgets = {
            "phone": PhoneInput(),
            "whatsapp": PhoneInput(),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        labels = {
            "phone": _("Telepon"),
            "whatsapp": _("Nomor WhatsApp"),
            "email": _("Email"),
            "opening_hours": _("Jam buka"),
        }
        help_texts = {
            "phone": _("Contoh: (0721) 123456 atau 0812-3456-7890."),
            "whatsapp": _("Nomor yang dipakai untuk WhatsApp, misalnya 0812-3456-7890."),
        }
        error_messages = {
            "email": {"invalid": _("Alamat email tidak valid, misalnya plut@lampungprov.go.id.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_areas"].queryset = ServiceArea.objects.filter(is_active=True)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return phone_to_e164(phone) if phone else ""

    def clean_whatsapp(self) -> str:
        number = self.cleaned_data["whatsapp"].strip()
        return phone_to_e164(number) if number else ""

    def clean_map_url(self) -> str:
        url = self.cleaned_data["map_url"].strip()
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError(_("Tautan peta harus diawali https://."))
        return url

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CENTRE_DETAILS_FIELDS}
