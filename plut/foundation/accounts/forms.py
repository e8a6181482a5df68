"""Forms for signing in, and for owners opening an account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from plut.foundation.accounts.models import ConsentText, User
from plut.foundation.core.names import validate_name
from plut.foundation.core.phone import phone_to_e164
from plut.foundation.core.widgets import PhoneInput


class LoginForm(AuthenticationForm):
    """Username and password, plus whether to stay signed in after the browser closes."""

    # Django's Indonesian message puts the field's name into a sentence that already names
    # it ("Masukkan nama pengguna nama pengguna dan sandi…").
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil pada kata sandi."
        ),
    }

    remember_me = forms.BooleanField(label=_("Ingat saya"), required=False)


class OwnerSignupForm(forms.Form):
    """An owner opens an account with their email; the data-processing consent is required."""

    name = forms.CharField(label=_("Nama Anda"), max_length=150, validators=[validate_name])
    # The email becomes the username, which holds at most 150 characters.
    email = forms.EmailField(
        label=_("Alamat email"),
        max_length=150,
        help_text=_("Dipakai untuk masuk. Kami akan mengirim tautan untuk memastikan email ini."),
    )
    phone = forms.CharField(
        label=_("Nomor WhatsApp / telepon (boleh dikosongkan)"),
        required=False,
        max_length=30,
        help_text=_("Contoh: 0812-3456-7890."),
        widget=PhoneInput(),
    )
    password1 = forms.CharField(
        label=_("Kata sandi"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Paling sedikit 8 karakter, jangan hanya angka atau kata yang umum."),
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_("Saya sudah membaca dan menyetujui pemrosesan data pribadi di atas."),
        error_messages={
            "required": _("Centang persetujuan ini supaya kami dapat membuat akun Anda.")
        },
    )

    def __init__(self, *args: Any, consent_text: ConsentText, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consent_text = consent_text
        self.fields["email"].widget.attrs.update(
            {"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})

    def clean_email(self) -> str:
        # Whether the address is registered is not checked here: the answer must be the same
        # either way (services.owner_signup_request emails the existing owner instead).
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return phone_to_e164(phone) if phone else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2:
            if password1 != password2:
                self.add_error("password2", _("Kedua kata sandi tidak cocok."))
            else:
                # The similarity check compares with what the owner typed about themselves.
                candidate = User(
                    username=data.get("email", ""),
                    email=data.get("email", ""),
                    first_name=data.get("name", ""),
                )
                try:
                    password_validation.validate_password(password1, candidate)
                except forms.ValidationError as error:
                    self.add_error("password2", error)
        return data


class EmailForm(forms.Form):
    """One email address: asking for a sign-in link."""

    email = forms.EmailField(label=_("Alamat email"), max_length=254)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(
            {"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}
        )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from the authenticator app, or one of the backup codes."""

    code = forms.CharField(
        label=_("Kode"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=150, required=False)
    ip_address = forms.GenericIPAddressField(required=False)
