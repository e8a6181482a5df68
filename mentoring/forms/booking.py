"""Forms of the public booking pages: choosing what to book, the owner's details, cancelling."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.models import Centre, ServiceArea
from cooperatives.models import Enterprise
from mentoring.models import Mode
from plut.foundation.accounts.models import ConsentText
from plut.foundation.core.names import validate_name
from plut.foundation.core.phone import phone_to_e164
from plut.foundation.core.widgets import PhoneInput
from plut.foundation.messaging.channels import channel_available
from plut.foundation.messaging.models import Channel
from plut.foundation.regions.models import Regency

# Owners book a visit to the centre or a video call; field visits are arranged by staff.
BOOKABLE_MODES = [(Mode.IN_PERSON.value, _("Di PLUT")), (Mode.ONLINE.value, _("Daring (video)"))]

# The honeypot's name: a field people never see, which form-filling bots tend to fill.
HONEYPOT = "website"


class BookingStartForm(forms.Form):
    """Step 1: the service area and the mode; with both chosen, the free slots are listed."""

    area = forms.ChoiceField(
        label=_("Bidang konsultasi"),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Bidang ini tidak dilayani oleh PLUT ini.")},
    )
    mode = forms.ChoiceField(
        label=_("Cara konsultasi"), choices=BOOKABLE_MODES, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, areas: list[ServiceArea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A list, not a queryset: one query serves both the choices and the validation.
        self.areas = {area.code: area for area in areas}
        self.fields["area"].choices = [(area.code, area.name) for area in areas]

    def clean_area(self) -> ServiceArea:
        return self.areas[self.cleaned_data["area"]]


class BookingDetailsForm(forms.Form):
    """Step 2: who is booking, how to reach them, and their consent to the data processing."""

    name = forms.CharField(label=_("Nama usaha"), max_length=200, validators=[validate_name])
    nib = forms.CharField(
        label=_("NIB (jika ada)"),
        required=False,
        max_length=13,
        help_text=_("Nomor Induk Berusaha dari OSS, 13 angka."),
    )
    regency = forms.ModelChoiceField(
        label=_("Kabupaten/kota tempat usaha"), queryset=Regency.objects.none()
    )
    owner_name = forms.CharField(label=_("Nama Anda"), max_length=200, validators=[validate_name])
    phone = forms.CharField(
        label=_("Nomor WhatsApp / telepon"),
        required=False,
        max_length=30,
        help_text=_("Contoh: 0812-3456-7890."),
        widget=PhoneInput(),
    )
    email = forms.EmailField(label=_("Alamat email"), required=False, max_length=254)
    # Offered only when a WhatsApp or SMS provider is configured (see __init__).
    preferred_channel = forms.ChoiceField(
        label=_("Kirim pengingat lewat"), choices=Channel.choices, initial=Channel.EMAIL
    )
    description = forms.CharField(
        label=_("Apa yang ingin Anda konsultasikan?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Singkat saja, paling banyak 1000 karakter."),
    )
    consent = forms.BooleanField(
        label=_("Saya sudah membaca dan menyetujui pemrosesan data pribadi di atas."),
        error_messages={
            "required": _("Centang persetujuan ini supaya PLUT dapat memproses pemesanan Anda.")
        },
    )
    # Hidden from people (CSS and tabindex in the template); bots fill it, and the view then
    # pretends to succeed without saving anything.
    website = forms.CharField(
        label=_("Biarkan kosong"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(
        self, *args: Any, centre: Centre, consent_text: ConsentText, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.consent_text = consent_text
        # Clients of a centre live in its province; the list stays short on a phone.
        self.fields["regency"].queryset = Regency.objects.filter(province_id=centre.province_id)
        if centre.regency_id:
            self.fields["regency"].initial = centre.regency_id
        offered = [
            (value, label)
            for value, label in Channel.choices
            # A centre with its own WhatsApp number offers WhatsApp without a national one.
            if channel_available(value, centre.pk)
        ]
        if len(offered) > 1:
            self.fields["preferred_channel"].choices = offered
        else:
            del self.fields["preferred_channel"]

    def typed(self) -> dict[str, str]:
        """What the visitor typed, as sent (the honeypot left out), to fill the form again."""
        return {name: self.data.get(name, "") for name in self.fields if name != HONEYPOT}

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())

    def clean_nib(self) -> str:
        nib = self.cleaned_data["nib"].strip()
        if nib:
            Enterprise._meta.get_field("nib").run_validators(nib)
        return nib

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return phone_to_e164(phone) if phone else ""

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("preferred_channel", Channel.EMAIL) != Channel.EMAIL and not data.get("phone"):
            self.add_error("phone", _("Isi nomor telepon untuk menerima pesan lewat WhatsApp/SMS."))
        # Only a missing pair is reported here; a malformed one already has its own error.
        given = data.get("phone") or data.get("email")
        if not given and not self.has_error("phone") and not self.has_error("email"):
            self.add_error(
                "phone",
                _("Isi nomor WhatsApp atau alamat email, supaya PLUT dapat menghubungi Anda."),
            )
        return data

    def client_values(self) -> dict[str, Any]:
        """The ``client`` mapping ``booking_request`` expects."""
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "nib": data["nib"],
            "regency": data["regency"],
            "owner_name": data["owner_name"].strip(),
            "phone": data["phone"],
            "email": data["email"],
            "preferred_channel": data.get("preferred_channel", Channel.EMAIL),
        }

    def contacts(self) -> list[str]:
        """The phone and email given, as rate-limit keys."""
        data = self.cleaned_data
        return [
            *([f"phone:{data['phone']}"] if data["phone"] else []),
            *([f"email:{data['email'].lower()}"] if data["email"] else []),
        ]


class BookingCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan pembatalan (boleh dikosongkan)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
