from __future__ import annotations

import datetime

import pytest

from plut.foundation.core.templatetags.plut import in_zone, percent, rupiah, rupiah_short

MOMENT = datetime.datetime(2017, 8, 9, 2, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("value", "text"),
    [(3_900_000_000, "Rp 3.900.000.000"), (22_000, "Rp 22.000"), (0, "Rp 0"), (None, "–")],
)
def test_rupiah_groups_thousands_with_dots(value, text):
    assert rupiah(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3_900_000_000, "Rp 3,9 miliar"),
        (2_000_000_000, "Rp 2 miliar"),
        (29_450_000, "Rp 29,5 juta"),
        (1_200_000_000_000, "Rp 1,2 triliun"),
        (950_000, "Rp 950.000"),
    ],
)
def test_rupiah_short_uses_a_decimal_comma(value, text):
    assert rupiah_short(value) == text


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        ("Asia/Jakarta", "9 Agu 2017 09:00 WIB"),
        ("Asia/Makassar", "9 Agu 2017 10:00 WITA"),
        ("Asia/Jayapura", "9 Agu 2017 11:00 WIT"),
    ],
)
def test_times_are_shown_in_the_centres_zone_with_its_label(zone, text):
    from django.utils import translation

    with translation.override("id"):
        assert in_zone(MOMENT, zone) == text


def test_lampungs_active_cooperative_rate_is_57_percent():
    assert percent(3017, 5302) == "57 %"
    assert percent(0, 0) == "–"
