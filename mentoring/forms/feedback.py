"""Forms owners fill in from a signed link: the satisfaction survey and the outcome check-in."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mentoring.models import Outcome

SCORES = [
    (5, _("5 · Sangat puas")),
    (4, _("4 · Puas")),
    (3, _("3 · Cukup")),
    (2, _("2 · Kurang puas")),
    (1, _("1 · Tidak puas")),
]


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Seberapa puas Anda dengan konsultasi ini?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih salah satu nilai.")},
    )
    comment = forms.CharField(
        label=_("Komentar atau saran (boleh dikosongkan)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CheckInForm(forms.ModelForm):
    """What changed since the first session; every figure is optional (owners skip some)."""

    class Meta:
        model = Outcome
        fields = [
            "turnover",
            "employees",
            "financing_amount",
            "financing_source",
            "obtained_nib",
            "obtained_pirt",
            "obtained_halal",
            "obtained_sni",
        ]
        widgets = {
            "turnover": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "employees": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "financing_amount": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in self.Meta.fields):
            raise forms.ValidationError(_("Isi paling sedikit satu jawaban."))
        return data
