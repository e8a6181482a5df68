"""Bad input tried by hypothesis: the identifier validators, phone numbers, Rupiah amounts and the
slot engine hold their rules for any input, not only the examples in the unit tests."""

from __future__ import annotations

import calendar
import datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cooperatives.masking import nik_mask
from cooperatives.validators import (
    nik_birth_parts,
    validate_cooperative_number,
    validate_kbli,
    validate_nib,
    validate_nik,
)
from mentoring.forms.profiles import RupiahField
from mentoring.slots import WeeklyWindow, free_slots
from plut.foundation.core.logging import mask_personal_data
from plut.foundation.core.phone import _mobile, _parsed, phone_mask, phone_to_e164, validate_e164
from plut.foundation.core.templatetags.plut import rupiah

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
anything = st.text(max_size=40)


def _valid(validator, value) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


# --- NIK ------------------------------------------------------------------------------------


@st.composite
def niks(draw) -> str:
    """Valid NIKs: region, birth date (women +40), serial, per the rule in validators.py."""
    province = draw(st.integers(11, 99))
    regency = draw(st.integers(1, 99))
    district = draw(st.integers(0, 99))
    year = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(2000 + year, month)[1]))
    female = draw(st.booleans())
    serial = draw(st.integers(1, 9999))
    return (
        f"{province:02d}{regency:02d}{district:02d}{day + (40 if female else 0):02d}"
        f"{month:02d}{year:02d}{serial:04d}"
    )


@given(niks())
def test_every_well_formed_nik_is_accepted_and_its_birth_date_read_back(nik):
    validate_nik(nik)
    day, month, _year, female = nik_birth_parts(nik)
    assert 1 <= day <= 31 and 1 <= month <= 12
    assert female == (int(nik[6:8]) > 40)


@given(anything)
def test_a_nik_is_accepted_only_if_sixteen_digits_with_a_real_date(value):
    if _valid(validate_nik, value):
        assert len(value) == 16 and value.isascii() and value.isdigit()
        day, month, _year, _female = nik_birth_parts(value)
        assert 1 <= month <= 12 and 1 <= day <= 31
        assert value[12:] != "0000" and value[:2] != "00"


@given(niks(), st.integers(0, 15), st.sampled_from(" -.a٣"))
def test_a_nik_with_any_stray_character_is_refused(nik, position, char):
    assert not _valid(validate_nik, nik[:position] + char + nik[position + 1 :])


@given(niks())
def test_a_masked_nik_never_shows_the_birth_date(nik):
    masked = nik_mask(nik)
    assert len(masked) == 16 and masked[6:14] == "*" * 8
    assert mask_personal_data(f"NIK {nik}") == "NIK [disamarkan]"


# --- NIB, Nomor Induk Koperasi, KBLI -----------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "length"),
    [(validate_nib, 13), (validate_cooperative_number, 16), (validate_kbli, 5)],
)
@given(value=st.one_of(digits, anything))
def test_identifiers_are_exactly_their_number_of_ascii_digits(validator, length, value):
    ok = value.isascii() and value.isdigit() and len(value) == length
    assert _valid(validator, value) == ok


# --- Phone numbers ---------------------------------------------------------------------------


@st.composite
def mobile_numbers(draw) -> tuple[str, str]:
    """An Indonesian mobile number (Telkomsel 0812...) written the ways owners write it."""
    subscriber = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    e164 = f"+62812{subscriber}"
    local = f"0812{subscriber}"
    written = draw(
        st.sampled_from(
            [
                local,
                f"{local[:4]}-{local[4:8]}-{local[8:]}",
                f"{local[:4]} {local[4:8]} {local[8:]}",
                e164,
                e164[1:],
                f"+62 812 {subscriber[:4]} {subscriber[4:]}",
            ]
        )
    )
    return written, e164


@given(mobile_numbers())
def test_every_way_of_writing_a_number_stores_the_same_e164(number):
    written, e164 = number
    assert phone_to_e164(written) == e164
    validate_e164(e164)
    assert e164[-4:] in phone_mask(e164) and e164 not in phone_mask(e164)
    assert e164 not in mask_personal_data(f"call {written}")


@given(anything)
def test_whatever_is_typed_a_phone_is_either_refused_or_stored_as_valid_e164(value):
    try:
        e164 = phone_to_e164(value)
    except ValidationError:
        return
    assert e164.startswith("+") and e164[1:].isdigit()
    assert phone_to_e164(e164) == e164  # idempotent: storing twice changes nothing


phone_spellings = st.one_of(
    anything,
    st.from_regex(r"\A(\+62|62|0|\+620|)[ -]?[1-9][0-9 .()-]{5,16}\Z", fullmatch=True),
)


@given(phone_spellings)
def test_the_quick_mobile_check_agrees_with_the_full_parse(value):
    """The quick path (phonenumbers' own mobile pattern for Indonesia) answers only what the
    full parse answers the same way; everything else goes to the parse."""
    quick = _mobile(value.strip())
    if quick is not None:
        assert _parsed(value.strip()) == quick


@given(mobile_numbers())
def test_usual_mobile_spellings_take_the_quick_path(number):
    written, e164 = number
    assert _mobile(written) == e164


# --- Money ---------------------------------------------------------------------------------------


@given(st.integers(0, RupiahField.max_value))
def test_an_amount_written_as_shown_reads_back_as_itself(amount):
    field = RupiahField()
    with translation.override("id"):
        shown = rupiah(amount)
    assert field.clean(shown) == amount
    assert field.clean(str(amount)) == amount
    assert field.clean(f"{amount:,}".replace(",", ".")) == amount


@given(anything)
def test_any_text_is_an_amount_within_bounds_or_a_clean_form_error(value):
    field = RupiahField(required=False)
    try:
        amount = field.clean(value)
    except forms.ValidationError:
        return
    assert amount is None or 0 <= amount <= RupiahField.max_value


@given(st.integers(1, 10**6), st.integers(0, 99))
def test_decimals_and_negative_amounts_are_refused(whole, cents):
    field = RupiahField()
    for text in (f"{whole},{cents:02d}", f"-{whole}", f"{whole}.{cents:02d}"):
        with pytest.raises(forms.ValidationError):
            field.clean(text)


# --- Slots ----------------------------------------------------------------------------------------

ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
NOW = datetime.datetime(2026, 11, 30, 1, 30, tzinfo=datetime.UTC)


@st.composite
def availability(draw):
    consultants = draw(st.lists(st.integers(1, 50), min_size=1, max_size=3, unique=True))
    hours = {}
    for consultant in consultants:
        windows = []
        for weekday in draw(st.sets(st.integers(0, 6), max_size=7)):
            start = draw(st.integers(6, 15))
            length = draw(st.integers(1, 6))
            windows.append(
                WeeklyWindow(weekday, datetime.time(start), datetime.time(min(start + length, 23)))
            )
        hours[consultant] = windows
    busy = {
        consultant: [
            (NOW + datetime.timedelta(hours=h), NOW + datetime.timedelta(hours=h, minutes=m))
            for h, m in draw(
                st.lists(st.tuples(st.integers(0, 24 * 14), st.integers(15, 180)), max_size=6)
            )
        ]
        for consultant in consultants
    }
    return hours, busy


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    availability(),
    st.sampled_from(ZONES),
    st.sampled_from([30, 45, 60, 90]),
    st.integers(0, 30),
    st.integers(0, 48 * 60),
)
def test_every_offered_slot_keeps_every_rule(data, zone, slot_minutes, buffer, notice):
    hours, busy = data
    slots = free_slots(
        zone=zone,
        hours=hours,
        leave={},
        busy=busy,
        closed_days=set(),
        slot_minutes=slot_minutes,
        buffer_minutes=buffer,
        notice_minutes=notice,
        now=NOW,
        days=14,
    )
    tz = ZoneInfo(zone)
    gap = datetime.timedelta(minutes=buffer)
    starts = [slot.starts_at for slot in slots]
    assert starts == sorted(set(starts))  # earliest first, no slot twice
    for slot in slots:
        assert slot.ends_at - slot.starts_at == datetime.timedelta(minutes=slot_minutes)
        assert slot.starts_at >= NOW + datetime.timedelta(minutes=notice)
        assert slot.consultant_ids
        local_start, local_end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
        for consultant in slot.consultant_ids:
            # Inside one of the consultant's windows, on the centre's own calendar day.
            assert any(
                w.weekday == local_start.weekday()
                and w.start <= local_start.time()
                and local_end.time() <= w.end
                and local_end.date() == local_start.date()
                for w in hours[consultant]
            )
            # Clear of every booking, with the buffer on both sides.
            for b_start, b_end in busy[consultant]:
                assert not (b_start < slot.ends_at + gap and slot.starts_at - gap < b_end)


@given(availability(), st.sampled_from(ZONES))
def test_a_closed_day_or_leave_offers_nothing_that_day(data, zone):
    hours, _busy = data
    tz = ZoneInfo(zone)
    day = NOW.astimezone(tz).date() + datetime.timedelta(days=3)
    kwargs = {
        "zone": zone,
        "hours": hours,
        "busy": {},
        "slot_minutes": 60,
        "buffer_minutes": 0,
        "notice_minutes": 0,
        "now": NOW,
        "days": 7,
    }
    closed = free_slots(leave={}, closed_days={day}, **kwargs)
    assert all(slot.starts_at.astimezone(tz).date() != day for slot in closed)
    on_leave = free_slots(leave={c: [(day, day)] for c in hours}, closed_days=set(), **kwargs)
    assert all(slot.starts_at.astimezone(tz).date() != day for slot in on_leave)
