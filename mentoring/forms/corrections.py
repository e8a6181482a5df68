"""The form of every confirmation page that deletes something: why, and the version seen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SeenForm(forms.Form):
    """The version of the record the page showed (``deletion.version_of``), so a change made
    meanwhile by someone else is noticed instead of overwritten or deleted unseen."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class DeleteForm(SeenForm):
    reason = forms.CharField(
        label=_("Alasan penghapusan"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Misalnya: dicatat dua kali, salah UMKM, data uji coba."),
        error_messages={
            "required": _("Tuliskan alasan penghapusan; alasan ini disimpan di riwayat.")
        },
    )
