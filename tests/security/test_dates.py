"""Dates near year 1 or 9999 overflow once turned into a local midnight, shifted by a zone or
moved a day on: every date or moment a user or client sends is refused outside 1900 to 2100
with a clear message (plut.foundation.core.dates), a form error or a 400, never a 500.

The table lists every input that takes a date; hypothesis then draws from the whole range
Python can write for the session list, the booking slot and the API.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from cooperatives.services.imports import (
    COLUMNS,
    COOPERATIVES,
    VALID_ROWS,
    import_clients,
    read_table,
)
from mentoring.selectors.bookings import manage_token
from tests.conftest import World

OUT_OF_RANGE = "Tanggal di luar rentang yang dapat diproses (1900–2100)."
EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)

# Well-formed values outside 1900 to 2100: refused with OUT_OF_RANGE.
DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"]
MOMENTS = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0001-01-01T03:00:00+07:00",  # in year 0 once in UTC
    "9999-12-31T20:00:00-10:00",  # in year 10000 once in UTC
    "1899-12-31T23:59:59Z",
    "2101-01-01T00:00:00Z",
]
MONTHS = ["0001-01", "9999-12", "1899-12", "2101-01"]
# Values no parser reads as a date (year 0, year 10000, garbage): refused as malformed.
MALFORMED = {
    "date": ["0000-01-01", "10000-01-01", "kemarin"],
    "moment": ["0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "kemarin"],
    "month": ["0000-01", "10000-01", "kemarin"],
}
OUT = {"date": DATES, "moment": MOMENTS, "month": MONTHS}
# What the field's own check says of a malformed value, wherever it is shown.
MALFORMED_MESSAGES = (
    "Masukkan tanggal yang valid.",
    "Masukkan tanggal/waktu yang valid.",
    "Pilih salah satu waktu di bawah.",
)


def _session_form(world: World) -> dict[str, Any]:
    side = world.a
    return {
        "submission_key": str(uuid.uuid4()),
        "service_area": side.centre.service_areas.get(code="financing").pk,
        "mode": "in_person",
        "format": "individual",
        "date": "2026-01-05",
        "start_time": "09:00",
        "duration_minutes": "60",
        "topic": "Pengajuan KUR mikro",
        "problems": "",
        "advice": "",
        "contact_minutes": "",
        "preparation_minutes": "0",
        "travel_minutes": "0",
        "enterprises": [side.enterprise.pk],
        "attended": [side.enterprise.pk],
        "fu-TOTAL_FORMS": "1",
        "fu-INITIAL_FORMS": "0",
        "fu-MIN_NUM_FORMS": "0",
        "fu-MAX_NUM_FORMS": "10",
        "fu-0-action": "Lengkapi dokumen KUR",
        "fu-0-due_on": "2026-01-20",
    }


def _outcome_form(world: World) -> dict[str, Any]:
    return {"turnover": "Rp 750.000.000", "employees": "5", "financing_amount": ""}


def _absence_form(world: World) -> dict[str, Any]:
    return {
        "action": "absence_add",
        "absence-starts_on": "2026-12-01",
        "absence-ends_on": "2026-12-02",
        "absence-kind": "training",
        "absence-note": "Pelatihan",
    }


def _booking_api(world: World) -> dict[str, Any]:
    return {
        "enterprise": world.a.enterprise.pk,
        "centre": world.a.centre.pk,
        "service_area": "marketing",
        "mode": "in_person",
        "consent": True,
    }


def _slot_query(world: World) -> dict[str, Any]:
    return {"area": "marketing", "mode": "in_person"}


def _custom(other: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"period": "custom", other: "2026-01-01"}


@dataclass(frozen=True)
class DateParam:
    """An input that takes a date: where it is sent, by whom, and how it refuses a value."""

    who: str  # a world user (tests/conftest.py), or "anonymous"
    method: str
    url: str  # with {centre}, {province}, {enterprise}, {session}, {booking} or {token}
    param: str
    kind: str  # "date", "moment" or "month"
    status: int  # the answer to a value it refuses
    shows: str  # "page" (the message in the HTML or text), or "api" (JSON, under the field)
    data: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    malformed_status: int | None = None  # when a malformed value is answered otherwise
    in_query: bool = False  # a POST whose value travels in the address, not the body

    def __str__(self) -> str:
        return f"{self.method} {self.url} {self.param} ({self.who})"


INPUTS = [
    # Staff lists and their exports (an invalid filter shows nothing, with the error).
    DateParam("manager_a", "get", "/staff/sessions/", "date_from", "date", 200, "page"),
    DateParam("manager_a", "get", "/staff/sessions/", "date_to", "date", 200, "page"),
    DateParam("consultant_a", "get", "/staff/sessions/export.csv", "date_to", "date", 400, "page"),
    DateParam("national", "get", "/staff/sessions/export.xlsx", "date_from", "date", 400, "page"),
    DateParam("consultant_a", "get", "/staff/follow-ups/", "due_from", "date", 200, "page"),
    DateParam("consultant_a", "get", "/staff/follow-ups/", "due_to", "date", 200, "page"),
    DateParam("manager_a", "get", "/staff/follow-ups/export.csv", "due_to", "date", 400, "page"),
    # Dashboards' own range, their exports, the monthly report, an API token's expiry.
    DateParam(
        "national", "get", "/dashboard/national/", "date_from", "date", 200, "page",
        _custom("date_to"),
    ),
    DateParam(
        "officer_a", "get", "/dashboard/province/{province}/", "date_to", "date", 200, "page",
        _custom("date_from"),
    ),
    DateParam(
        "manager_a", "get", "/dashboard/centre/{centre}/overview/export.csv", "date_to", "date",
        400, "page", _custom("date_from"),
    ),
    DateParam(
        "national", "post", "/dashboard/reports/new/", "month", "month", 400, "page",
        lambda world: {"place": "national"},
    ),
    DateParam(
        "national", "post", "/accounts/api-tokens/", "expires_on", "date", 200, "page",
        lambda world: {"name": "Sistem Dinas"},
    ),
    # Staff forms.
    DateParam(
        "consultant_a", "post", "/staff/sessions/new/", "date", "date", 200, "page",
        _session_form,
    ),
    DateParam(
        "consultant_a", "post", "/staff/sessions/new/", "fu-0-due_on", "date", 200, "page",
        _session_form,
    ),
    DateParam(
        "consultant_a", "post", "/staff/sessions/{session}/edit/", "date", "date", 200, "page",
        _session_form,
    ),
    DateParam(
        "consultant_a", "post", "/staff/enterprises/{enterprise}/outcomes/new/", "recorded_on",
        "date", 200, "page", _outcome_form,
    ),
    DateParam(
        "consultant_a", "post", "/staff/team/availability/", "absence-starts_on", "date", 200,
        "page", _absence_form,
    ),
    DateParam(
        "consultant_a", "post", "/staff/team/availability/", "absence-ends_on", "date", 200,
        "page", _absence_form,
    ),
    # Public booking: the slot of step 2 (a malformed one is no page), the manage link.
    DateParam(
        "anonymous", "get", "/pesan/{centre}/data/", "slot", "moment", 400, "page", _slot_query,
        malformed_status=404,
    ),
    DateParam(
        "anonymous", "post", "/pesan/{centre}/data/", "slot", "moment", 400, "page",
        malformed_status=404, in_query=True,
    ),
    DateParam(
        "anonymous", "post", "/pemesanan/{token}/", "slot", "moment", 409, "page",
        lambda world: {"action": "reschedule"},
    ),
    # The API: list filters, the dashboard's range, booking and rescheduling.
    DateParam("national", "get", "/api/v1/sessions/", "starts_after", "moment", 400, "api"),
    DateParam("national", "get", "/api/v1/sessions/", "starts_before", "moment", 400, "api"),
    DateParam("national", "get", "/api/v1/follow-ups/", "due_after", "date", 400, "api"),
    DateParam("national", "get", "/api/v1/follow-ups/", "due_before", "date", 400, "api"),
    DateParam("national", "get", "/api/v1/outcomes/", "recorded_after", "date", 400, "api"),
    DateParam("national", "get", "/api/v1/outcomes/", "recorded_before", "date", 400, "api"),
    DateParam("officer_a", "get", "/api/v1/bookings/", "starts_after", "moment", 400, "api"),
    DateParam("officer_a", "get", "/api/v1/bookings/", "starts_before", "moment", 400, "api"),
    DateParam("national", "get", "/api/v1/enterprises/", "created_after", "moment", 400, "api"),
    DateParam("national", "get", "/api/v1/enterprises/", "created_before", "moment", 400, "api"),
    DateParam("manager_a", "get", "/api/v1/persons/", "updated_since", "moment", 400, "api"),
    DateParam("national", "get", "/api/v1/cooperatives/", "rat_after", "date", 400, "api"),
    DateParam("national", "get", "/api/v1/cooperatives/", "rat_before", "date", 400, "api"),
    DateParam(
        "national", "get", "/api/v1/dashboard/", "date_from", "date", 400, "api",
        _custom("date_to"),
    ),
    DateParam(
        "manager_a", "get", "/api/v1/dashboard/", "date_to", "date", 400, "api",
        _custom("date_from"),
    ),
    DateParam(
        "manager_a", "post", "/api/v1/bookings/", "starts_at", "moment", 400, "api", _booking_api
    ),
    DateParam(
        "owner_a", "post", "/api/v1/bookings/{booking}/reschedule/", "starts_at", "moment", 400,
        "api",
    ),
]  # fmt: skip


def _client(world: World, who: str, *, api: bool) -> Client | APIClient:
    user = world.user(who)
    if api:
        client = APIClient()
        client.force_authenticate(user)
        return client
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _url(template: str, world: World) -> str:
    return template.format(
        centre=world.a.centre.pk,
        province=world.a.centre.province_id,
        enterprise=world.a.enterprise.pk,
        session=world.a.session.pk,
        booking=world.a.booking.pk,
        token=manage_token(world.a.booking),
    )


def _send(client: Client | APIClient, case: DateParam, world: World, value: str) -> Any:
    url, data = _url(case.url, world), case.data(world)
    if case.in_query:
        url += "?" + urlencode(_slot_query(world) | {case.param: value})
    else:
        data[case.param] = value
    if case.shows == "api" and case.method == "post":
        return client.post(url, data, format="json")
    return getattr(client, case.method)(url, data)


def _text(response: Any) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("case", INPUTS, ids=str)
def test_a_date_outside_the_years_processed_is_refused_with_a_message(world, case):
    client = _client(world, case.who, api=case.shows == "api")
    for value in OUT[case.kind]:
        response = _send(client, case, world, value)
        assert response.status_code == case.status, (value, _text(response)[:500])
        if case.shows == "api":
            assert response.json()["error"]["fields"][case.param] == [OUT_OF_RANGE], value
        else:
            assert OUT_OF_RANGE in _text(response), value
    for value in MALFORMED[case.kind]:
        response = _send(client, case, world, value)
        status = case.malformed_status or case.status
        assert response.status_code == status, (value, _text(response)[:500])
        if status == 404:
            continue  # step 2's address is made by step 1: a broken one is simply not a page
        if case.shows == "api":
            assert response.json()["error"]["fields"][case.param], value
        else:
            assert any(text in _text(response) for text in MALFORMED_MESSAGES), value


def test_an_imported_date_outside_the_years_processed_is_its_rows_error(world):
    header = list(COLUMNS[COOPERATIVES])
    rows = [
        {
            "nama_koperasi": f"Kop Tani {number}",
            "nomor_induk_koperasi": f"187101000000000{number}",
            "jenis": "produsen",
            "kode_kabupaten": "18.71",
            column: value,
        }
        for number, (column, value) in enumerate(
            [
                ("tanggal_badan_hukum", "0001-01-01"),
                ("tanggal_badan_hukum", "1899-12-31"),
                ("tanggal_rat_terakhir", "0001-01-01"),
                ("tanggal_rat_terakhir", "9999-12-31"),
            ],
            start=1,
        )
    ]
    lines = [",".join(header)] + [",".join(row.get(name, "") for name in header) for row in rows]
    table = read_table("\n".join(lines).encode(), COOPERATIVES)
    result = import_clients(centre=world.a.centre, kind=COOPERATIVES, table=table, mode=VALID_ROWS)
    assert result.created == 0
    errors = {(error.row, error.field): error.message for error in result.errors}
    assert errors == {
        (2, "tanggal_badan_hukum"): OUT_OF_RANGE,
        (3, "tanggal_badan_hukum"): OUT_OF_RANGE,
        (4, "tanggal_rat_terakhir"): OUT_OF_RANGE,
        (5, "tanggal_rat_terakhir"): OUT_OF_RANGE,
    }


# --- The whole range, drawn by hypothesis ----------------------------------------------------

HYPOTHESIS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Any zone Python knows, and any fixed offset it accepts (up to ±23:59).
zones = st.one_of(
    st.timezones(),
    st.builds(
        datetime.timezone,
        st.timedeltas(
            min_value=-datetime.timedelta(hours=23, minutes=59),
            max_value=datetime.timedelta(hours=23, minutes=59),
        ),
    ),
)
moments = st.datetimes(timezones=zones)


def _in_range(moment: datetime.datetime) -> bool:
    """Whether the moment's day in UTC is one the portal processes (plut.foundation.core.dates)."""
    try:
        day = moment.astimezone(datetime.UTC).date()
    except (OverflowError, ValueError):
        return False
    return EARLIEST <= day <= LATEST


@HYPOTHESIS
@given(day=st.dates(), name=st.sampled_from(["date_from", "date_to"]))
@example(day=datetime.date.min, name="date_from")
@example(day=datetime.date.max, name="date_to")
@example(day=EARLIEST, name="date_from")  # the edges are still accepted
@example(day=LATEST, name="date_to")
def test_any_date_in_the_session_list_filter_is_answered(client, world, day, name):
    client.force_login(world.a.manager)
    response = client.get("/staff/sessions/", {name: day.isoformat()})
    assert response.status_code == 200
    assert (OUT_OF_RANGE in response.content.decode()) == (not EARLIEST <= day <= LATEST)


@HYPOTHESIS
@given(moment=moments)
@example(moment=datetime.datetime.min.replace(tzinfo=datetime.UTC))
@example(moment=datetime.datetime.max.replace(tzinfo=datetime.UTC))
def test_any_booking_slot_is_answered_to_anyone(client, world, moment):
    url = reverse("booking:details", args=[world.a.centre.pk])
    response = client.get(
        url, {"area": "marketing", "mode": "in_person", "slot": moment.isoformat()}
    )
    # A slot in the years processed that no consultant offers: "no longer free", with the list.
    assert response.status_code == (200 if _in_range(moment) else 400)
    assert (OUT_OF_RANGE in response.content.decode()) == (not _in_range(moment))


@HYPOTHESIS
@given(day=st.dates())
@example(day=datetime.date.min)
@example(day=datetime.date.max)
@example(day=LATEST)
def test_any_date_in_the_api_dashboard_range_is_answered(world, day):
    client = _client(world, "national", api=True)
    value = day.isoformat()
    response = client.get(
        "/api/v1/dashboard/", {"period": "custom", "date_from": value, "date_to": value}
    )
    if EARLIEST <= day <= LATEST:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["date_from"] == [OUT_OF_RANGE]


@HYPOTHESIS
@given(moment=moments)
@example(moment=datetime.datetime.min.replace(tzinfo=datetime.UTC))
@example(moment=datetime.datetime.max.replace(tzinfo=datetime.UTC))
def test_any_moment_in_an_api_filter_is_answered(world, moment):
    client = _client(world, "national", api=True)
    response = client.get("/api/v1/sessions/", {"starts_after": moment.isoformat()})
    if _in_range(moment):
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["starts_after"] == [OUT_OF_RANGE]
