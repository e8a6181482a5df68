"""Every endpoint x every role (an insider and an outsider of each) x method: the status.

Rows outside a user's scope are a 404 (their existence is not confirmed); a role that may
not call an endpoint at all is a 403; no login is a 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from mentoring.models import Booking, BookingStatus
from tests.conftest import World

USERS = [
    "anonymous",
    "national",
    "officer_a",
    "manager_a",
    "consultant_a",
    "owner_a",
    "officer_b",
    "manager_b",
    "consultant_b",
    "owner_b",
]
SIGNED_IN = USERS[1:]
INSIDERS_A = ["national", "officer_a", "manager_a", "consultant_a", "owner_a"]


@dataclass(frozen=True)
class Case:
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]  # user -> status; every user of USERS is listed
    body: dict | None = None
    fmt: str = "json"


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(USERS, status)


def signed_in(status: int, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, status)}


def side_a_only() -> dict[str, int]:
    """A side-a row: its insiders read it, side b and anonymous do not."""
    return {
        "anonymous": 401,
        **dict.fromkeys(INSIDERS_A, 200),
        **dict.fromkeys(["officer_b", "manager_b", "consultant_b", "owner_b"], 404),
    }


def roles(allowed: list[str], status: int = 200) -> dict[str, int]:
    """Only the users whose role is in ``allowed`` (insider or outsider) get ``status``."""
    expected = {"anonymous": 401}
    for user in SIGNED_IN:
        role = user.rsplit("_", 1)[0]
        expected[user] = status if role in allowed else 403
    return expected


def booking_change(staff: int, owner: int) -> dict[str, int]:
    """An action on a side-a booking assigned to consultant_a."""
    return {
        "anonymous": 401,
        "national": 403,
        "officer_a": 403,
        "officer_b": 403,
        "manager_a": staff,
        "consultant_a": staff,
        "owner_a": owner,
        "manager_b": 404,
        "consultant_b": 404,
        "owner_b": 404,
    }


SCOPED = {
    "persons": lambda w: w.a.person.pk,
    "enterprises": lambda w: w.a.enterprise.pk,
    "cooperatives": lambda w: w.a.cooperative.pk,
    "sessions": lambda w: w.a.session.pk,
    "follow-ups": lambda w: w.a.follow_up.pk,
    "outcomes": lambda w: w.a.outcome.pk,
    "bookings": lambda w: w.a.booking.pk,
}


def _cases() -> dict[str, Case]:
    cases: dict[str, Case] = {
        "root": Case("get", lambda w: "/api/v1/", everyone(200)),
        "schema": Case("get", lambda w: "/api/schema/", everyone(200)),
        "docs": Case("get", lambda w: "/api/docs/", everyone(200)),
        "provinces": Case("get", lambda w: "/api/v1/provinces/", everyone(200)),
        "regencies": Case("get", lambda w: "/api/v1/regencies/", everyone(200)),
        "regency": Case("get", lambda w: "/api/v1/regencies/18.71/", everyone(200)),
        "service-areas": Case("get", lambda w: "/api/v1/service-areas/", everyone(200)),
        "centres": Case("get", lambda w: "/api/v1/centres/", everyone(200)),
        "centre": Case("get", lambda w: f"/api/v1/centres/{w.a.centre.pk}/", everyone(200)),
        "slots": Case(
            "get",
            lambda w: f"/api/v1/centres/{w.a.centre.pk}/slots/?area=marketing",
            everyone(200),
        ),
        "open": Case("get", lambda w: "/api/v1/open/", everyone(200)),
        "open-csv": Case("get", lambda w: "/api/v1/open/?format=csv", everyone(200)),
        "template": Case(
            "get", lambda w: "/api/v1/imports/template/enterprises.csv", everyone(200)
        ),
        "imports": Case(
            "get", lambda w: "/api/v1/imports/", roles(["national", "officer", "manager"])
        ),
        "import-create": Case(
            "post", lambda w: "/api/v1/imports/", roles(["manager"], 400), {}, "multipart"
        ),
        "dashboard": Case(
            "get", lambda w: "/api/v1/dashboard/", roles(["national", "officer", "manager"])
        ),
        "booking-create": Case(
            "post",
            lambda w: "/api/v1/bookings/",
            roles(["manager", "consultant", "owner"], 400),
            {},
        ),
        "booking-confirm": Case(
            "post",
            lambda w: f"/api/v1/bookings/{w.a.booking.pk}/confirm/",
            booking_change(200, 403),
        ),
        "booking-cancel": Case(
            "post",
            lambda w: f"/api/v1/bookings/{w.a.booking.pk}/cancel/",
            booking_change(200, 200),
            {"reason": "Konsultan sakit."},
        ),
        "booking-no-show": Case(
            # Not started yet: the service refuses, after the same role and scope checks.
            "post",
            lambda w: f"/api/v1/bookings/{w.a.booking.pk}/no-show/",
            booking_change(400, 403),
        ),
    }
    for name, pk in SCOPED.items():
        cases[f"{name}-list"] = Case("get", lambda w, n=name: f"/api/v1/{n}/", signed_in(200))
        cases[f"{name}-detail"] = Case(
            "get", lambda w, n=name, pk=pk: f"/api/v1/{n}/{pk(w)}/", side_a_only()
        )
        # Read-only through the API: no method changes a row directly.
        cases[f"{name}-delete"] = Case(
            "delete", lambda w, n=name, pk=pk: f"/api/v1/{n}/{pk(w)}/", signed_in(405)
        )
    cases["enterprises-put"] = Case(
        "put", lambda w: f"/api/v1/enterprises/{w.a.enterprise.pk}/", signed_in(405), {}
    )
    return cases


CASES = _cases()


def _reset_booking(world: World) -> None:
    """Side a's booking: requested, assigned to consultant_a, two days ahead (the actions
    change it, so each user starts from the same state)."""
    Booking.objects.filter(pk=world.a.booking.pk).update(
        consultant=world.a.consultant, status=BookingStatus.REQUESTED, status_reason=""
    )


@pytest.mark.parametrize("case_name", list(CASES))
def test_status(case_name: str, world: World, as_user) -> None:
    """One endpoint, every user: all mismatches are reported at once."""
    case = CASES[case_name]
    assert world.a.booking.starts_at > timezone.now()
    wrong = []
    for user in USERS:
        _reset_booking(world)
        response = getattr(as_user(user), case.method)(case.url(world), case.body, format=case.fmt)
        expected = case.expected[user]
        if response.status_code != expected:
            wrong.append((user, expected, response.status_code, response.content[:200]))
        elif expected >= 400 and response["Content-Type"].startswith("application/json"):
            error = response.json()["error"]
            assert set(error) == {"code", "message", "fields"}
            assert error["message"]
    assert not wrong, wrong


def test_every_user_is_in_every_row() -> None:
    for name, case in CASES.items():
        assert set(case.expected) == set(USERS), name
