"""Forms for the centre's team: inviting staff and choosing the areas they cover."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.models import Centre
from plut.accounts.models import Role


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
