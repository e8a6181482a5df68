"""The manager's WhatsApp page: the centre's number and where its secrets are, and a test."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.phone import phone_to_e164
from plut.foundation.messaging.models import WhatsAppSender


class WhatsAppSenderForm(forms.ModelForm):
    class Meta:
        model = WhatsAppSender
        fields = [
            "phone_number_id",
            "display_number",
            "access_token_ref",
            "app_secret_ref",
            "active",
        ]
        help_texts = {
            "access_token_ref": _(
                "Contoh: env:MESSAGING_WHATSAPP_CENTRE_<id PLUT>_TOKEN atau "
                "file:/run/secrets/whatsapp/<id PLUT>/token. Tokennya sendiri dipasang di "
                "server oleh pengelola, tidak disimpan di portal."
            ),
            "app_secret_ref": _(
                "Kosongkan bila nomor ini memakai aplikasi Meta nasional; wajib bila PLUT ini "
                "memakai aplikasi Meta sendiri (tanpanya tanda terimanya ditolak)."
            ),
        }

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model checks the references against the centre (secrets.py) in its clean().
        self.instance.centre_id = centre_id

    def clean_display_number(self) -> str:
        value: str = self.cleaned_data["display_number"]
        return phone_to_e164(value) if value else ""

    def clean_app_secret_ref(self) -> str:
        value: str = self.cleaned_data["app_secret_ref"]
        if not value and not settings.MESSAGING_WHATSAPP_APP_SECRET:
            # Without a national app, the centre's receipts can only be verified with its own.
            raise forms.ValidationError(
                _(
                    "Isi letak app secret aplikasi Meta PLUT ini: tanpa aplikasi Meta nasional, "
                    "tanda terima dan balasan STOP hanya dapat diperiksa dengan app secret ini."
                ),
                code="required",
            )
        return value

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class WhatsAppTestForm(forms.Form):
    phone = forms.CharField(label=_("Kirim pesan uji ke nomor"), max_length=30)

    def clean_phone(self) -> str:
        return phone_to_e164(self.cleaned_data["phone"])
