"""Forms of the enterprise profile's two actions: recording an outcome, merging a duplicate."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cooperatives.models import Enterprise
from mentoring.models import MentoringSession, Outcome
from mentoring.selectors.profiles import (
    Figure,
    enterprise_baseline,
    enterprise_merge_candidates,
    enterprise_zone,
)
from mentoring.selectors.records import sessions_visible_to
from plut.foundation.core.dates import BoundedDateField, TimeZone
from plut.foundation.core.tables import integer
from plut.foundation.core.templatetags.plut import rupiah
from plut.foundation.core.widgets import DateInput

# Dots group thousands ("3.900.000"); a lone dot elsewhere ("3.9") is a typo or a decimal.
_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+|\d+")
_RP_PREFIX = re.compile(r"^rp\.?", re.IGNORECASE)


class RupiahField(forms.Field):
    """Whole Rupiah as Indonesians write them: '3.900.000.000', 'Rp 3.900.000' or '3900000'."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Tulis jumlah dalam angka Rupiah, misalnya Rp 3.900.000."),
        "decimal": _(
            "Tulis jumlah dalam Rupiah penuh tanpa koma atau desimal, misalnya 3.900.000."
        ),
        "grouping": _("Titik hanya untuk pemisah ribuan, misalnya 3.900.000."),
        "negative": _("Jumlah tidak boleh negatif."),
        "too_big": _("Jumlah terlalu besar; periksa kembali jumlah angka nol."),
    }
    # Rp 1.000 triliun: far above any UMKM figure, far below the database's limit.
    max_value = 10**15

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            text = str(value)
        else:
            text = _RP_PREFIX.sub("", str(value).strip()).strip()
            text = re.sub(r"\s", "", text)
        if not text:
            return None
        if text.startswith("-"):
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if "," in text:
            raise forms.ValidationError(self.error_messages["decimal"], code="decimal")
        if not _GROUPED.fullmatch(text):
            code = "grouping" if re.fullmatch(r"[\d.]+", text) else "invalid"
            raise forms.ValidationError(self.error_messages[code], code=code)
        amount = int(text.replace(".", ""))
        if amount > self.max_value:
            raise forms.ValidationError(self.error_messages["too_big"], code="too_big")
        return amount


def _baseline_note(figure: Figure, shown: Any) -> str:
    """The baseline beside the field that measures it anew, in the reader's format."""
    if figure.value is None:
        return gettext("Data awal belum tercatat.")
    return gettext("Data awal: %(value)s, dicatat %(date)s.") % {
        "value": shown(figure.value),
        "date": formats.date_format(figure.on, "j M Y"),
    }


def _filled(value: Any) -> bool:
    # 0 employees is a measurement; an unticked box or an empty field is not.
    return value is not None and value != "" and value is not False


class SessionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, session: MentoringSession) -> str:
        local = timezone.localtime(session.starts_at, ZoneInfo(session.centre.province.timezone))
        zone = TimeZone(session.centre.province.timezone).label
        return f"{formats.date_format(local, 'j M Y H:i')} {zone} · {session.topic}"


class OutcomeForm(forms.ModelForm):
    turnover = RupiahField(
        label=_("Omzet tahunan (Rp)"),
        required=False,
        help_text=_("Contoh: 3.900.000.000 atau Rp 3.900.000."),
    )
    financing_amount = RupiahField(label=_("Pembiayaan diperoleh (Rp)"), required=False)
    sessions = SessionChoiceField(
        label=_("Sesi yang berkontribusi"),
        queryset=MentoringSession.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    # Any one of these makes an outcome worth recording.
    MEASURES = (
        "turnover",
        "employees",
        "financing_amount",
        "obtained_nib",
        "obtained_pirt",
        "obtained_halal",
        "obtained_sni",
        "support_kind",
        "new_markets",
    )

    class Meta:
        model = Outcome
        fields = [
            "recorded_on",
            "turnover",
            "employees",
            "financing_amount",
            "financing_source",
            "obtained_nib",
            "obtained_pirt",
            "obtained_halal",
            "obtained_sni",
            "support_kind",
            "support_description",
            "new_markets",
            "sessions",
        ]
        labels = {
            "recorded_on": _("Tanggal hasil"),
            "employees": _("Jumlah tenaga kerja"),
            "financing_source": _("Sumber pembiayaan"),
            "obtained_nib": _("Memperoleh NIB"),
            "obtained_pirt": _("Memperoleh PIRT"),
            "obtained_halal": _("Memperoleh sertifikat halal"),
            "obtained_sni": _("Memperoleh SNI"),
            "support_kind": _("Dukungan diterima"),
            "support_description": _("Uraian dukungan"),
            "new_markets": _("Pasar baru"),
        }
        field_classes = {"recorded_on": BoundedDateField}
        widgets = {"recorded_on": DateInput()}

    def __init__(self, *args: Any, user: Any, enterprise: Enterprise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.instance.enterprise = enterprise
        self.today = timezone.localtime(
            timezone.now(), ZoneInfo(enterprise_zone(enterprise))
        ).date()
        self.fields["recorded_on"].initial = self.today
        # Each new figure is read against the baseline: its help text says it.
        baseline = enterprise_baseline(enterprise)
        turnover = self.fields["turnover"]
        turnover.help_text = f"{_baseline_note(baseline.turnover, rupiah)} {turnover.help_text}"
        self.fields["employees"].help_text = _baseline_note(baseline.employees, integer)
        self.fields["sessions"].queryset = (
            sessions_visible_to(user)
            .filter(sessionenterprise__enterprise=enterprise)
            .order_by("-starts_at", "-id")
        )

    def clean_recorded_on(self) -> datetime.date:
        recorded_on = self.cleaned_data["recorded_on"]
        if recorded_on > self.today:
            raise forms.ValidationError(_("Tanggal hasil tidak boleh di masa depan."))
        return recorded_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A measure refused for its format is not a missing measure: its own error says enough.
        typed_wrong = any(name in self.errors for name in self.MEASURES)
        if not typed_wrong and not any(_filled(data.get(name)) for name in self.MEASURES):
            raise forms.ValidationError(
                _(
                    "Isi minimal satu hasil yang terukur: omzet, tenaga kerja, pembiayaan, "
                    "izin (NIB, PIRT, halal, SNI), dukungan, atau pasar baru."
                ),
                code="nothing_measured",
            )
        if data.get("financing_source") and not data.get("financing_amount"):
            self.add_error("financing_amount", _("Isi jumlah pembiayaan yang diperoleh."))
        if data.get("support_description") and not data.get("support_kind"):
            self.add_error("support_kind", _("Pilih jenis dukungan yang diuraikan."))
        return data

    def outcome_values(self) -> dict[str, Any]:
        """The outcome's own fields, for the service (sessions travel separately)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "sessions"}


class EnterpriseMergeForm(forms.Form):
    """Pick the duplicate to fold into ``keep``: only same-centre enterprises in scope."""

    remove = forms.ModelChoiceField(
        label=_("UMKM duplikat yang digabungkan"),
        queryset=Enterprise.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _(
                "Pilih UMKM dari daftar: hanya UMKM di PLUT yang sama yang dapat digabungkan."
            ),
            "required": _("Pilih UMKM duplikat yang akan digabungkan."),
        },
    )

    def __init__(self, *args: Any, user: Any, keep: Enterprise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remove"].queryset = enterprise_merge_candidates(user, keep)
        self.offer([])

    def offer(self, enterprises: list[Enterprise]) -> None:
        """List these candidates on the page; validation still accepts any candidate."""
        self.fields["remove"].widget.choices = [(e.pk, self._label(e)) for e in enterprises]

    @staticmethod
    def _label(enterprise: Enterprise) -> str:
        nib = f" · NIB {enterprise.nib}" if enterprise.nib else ""
        return f"{enterprise.name}{nib} · {enterprise.owner.full_name} · {enterprise.regency.name}"
