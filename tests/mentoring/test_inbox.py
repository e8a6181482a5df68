"""The staff booking inbox, a booking's page, and the actions posted from them (htmx and not)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinics.models import ServiceArea, StaffMembership
from mentoring.models import Booking, BookingStatus
from plut.foundation.accounts.models import ConsentText
from tests.factories.clinics import StaffFactory
from tests.factories.mentoring import BookingFactory, unassigned_booking

pytestmark = pytest.mark.django_db

INBOX = reverse("mentoring:inbox")
HTMX = {"HTTP_HX_REQUEST": "true"}
ACTIONS = ["confirm", "assign", "decline", "cancel", "no_show"]
READERS = ["national", "officer_a", "manager_a", "consultant_a"]

# Friday 27 November 2026, 10:00 in Jakarta (WIB), 11:00 in Makassar (WITA).
NOW = datetime.datetime(2026, 11, 27, 3, 0, tzinfo=datetime.UTC)
WIB = ZoneInfo("Asia/Jakarta")


def _at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = WIB) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=zone)


def _detail(booking: Booking) -> str:
    return reverse("mentoring:booking_detail", args=[booking.pk])


def _action(booking: Booking, action: str) -> str:
    return reverse("mentoring:booking_action", args=[booking.pk, action])


@pytest.fixture
def notices(monkeypatch):
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(
        "mentoring.services.booking_actions.booking_notify_later",
        lambda booking, notice: sent.append((booking.pk, notice.value)),
    )
    return sent


# --- Who may open what ----------------------------------------------------------------------


def _url(world, where: str) -> str:
    booking = world.a.booking
    if where == "inbox":
        return INBOX
    if where == "detail":
        return _detail(booking)
    return _action(booking, where)


# (user, method, where, status). Reading is for all staff in scope; acting for the centre's
# own staff; outside the scope the booking does not exist (404).
TABLE = [
    *[("anonymous", "get", where, 302) for where in ("inbox", "detail")],
    *[("anonymous", "post", action, 302) for action in ACTIONS],
    *[("owner_a", "get", where, 403) for where in ("inbox", "detail")],
    *[("owner_a", "post", action, 403) for action in ACTIONS],
    *[(user, "get", where, 200) for user in READERS for where in ("inbox", "detail")],
    *[(user, "post", action, 403) for user in ("officer_a", "national") for action in ACTIONS],
    *[(user, "get", "inbox", 200) for user in ("manager_b", "consultant_b", "officer_b")],
    *[(user, "get", "detail", 404) for user in ("manager_b", "consultant_b", "officer_b")],
    *[(user, "post", action, 404) for user in ("manager_b", "consultant_b") for action in ACTIONS],
    # Side a's booking is the consultant's: they act on it but hand it to nobody.
    *[("consultant_a", "post", action, 302) for action in ("confirm", "decline", "cancel")],
    ("consultant_a", "post", "assign", 403),
    ("manager_a", "post", "assign", 302),
    ("manager_a", "post", "decline", 302),
    *[(user, "get", action, 405) for user in ("anonymous", "manager_a") for action in ACTIONS],
]


@pytest.mark.parametrize(("user_name", "method", "where", "status"), TABLE)
def test_permissions(client, world, notices, user_name, method, where, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    data = {"consultant": world.a.consultant.pk, "reason": "Bidang ini sedang penuh."}
    response = getattr(client, method)(_url(world, where), data if method == "post" else None)
    assert response.status_code == status
    if status == 302 and user is None:
        assert response["Location"].startswith(reverse("login"))


def test_an_unknown_action_is_not_a_page(client, world):
    client.force_login(world.a.manager)
    # "delete" is a page of its own (mentoring:booking_delete), not an action.
    assert client.post(_action(world.a.booking, "erase")).status_code == 404
    assert client.post(_action(world.a.booking, "complete")).status_code == 404


def test_readers_see_no_action_buttons(client, world):
    client.force_login(world.a.officer)
    body = client.get(INBOX).content.decode()
    assert world.a.enterprise.name in body
    assert "/confirm/" not in body and "/assign/" not in body and "/decline/" not in body


# --- What the inbox shows -------------------------------------------------------------------


@pytest.fixture
def week(world):
    """Side a's bookings around Friday 27 November 2026 (WIB), and one of side b's."""
    Booking.objects.all().delete()
    consultant = world.a.consultant
    enterprise = world.a.enterprise
    return {
        # From before every booking had a consultant (migration 0015): it waits for one.
        "request": unassigned_booking(
            enterprise=enterprise, starts_at=_at(30, 9), ends_at=_at(30, 10)
        ),
        "today": BookingFactory(
            enterprise=enterprise,
            consultant=consultant,
            status=BookingStatus.CONFIRMED,
            starts_at=_at(27, 14),
            ends_at=_at(27, 15),
        ),
        "next_week": BookingFactory(
            enterprise=enterprise,
            consultant=consultant,
            status=BookingStatus.CONFIRMED,
            starts_at=_at(30, 13),
            ends_at=_at(30, 14),
        ),
        "past": BookingFactory(
            enterprise=enterprise,
            consultant=consultant,
            status=BookingStatus.COMPLETED,
            starts_at=_at(20, 9),
            ends_at=_at(20, 10),
        ),
        "yesterday_late": BookingFactory(
            enterprise=enterprise,
            consultant=consultant,
            status=BookingStatus.CONFIRMED,
            starts_at=_at(26, 23, 30),
            ends_at=_at(26, 23, 59),
        ),
        "far": BookingFactory(
            enterprise=enterprise,
            consultant=consultant,
            status=BookingStatus.CONFIRMED,
            starts_at=_at(27, 9) + datetime.timedelta(days=40),
            ends_at=_at(27, 10) + datetime.timedelta(days=40),
        ),
        "other_centre": BookingFactory(
            enterprise=world.b.enterprise,
            starts_at=_at(27, 14),
            ends_at=_at(27, 15),
        ),
    }


def _listed(client, user, **params) -> list[Booking]:
    client.force_login(user)
    response = client.get(INBOX, params)
    assert response.status_code == 200
    return [row.booking for row in response.context["rows"]]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("needs", ["request"]),
        ("today", ["today"]),
        ("upcoming", ["request", "next_week"]),  # active ones, requests too
        ("other", ["yesterday_late", "past"]),  # newest first
    ],
)
def test_each_tab_holds_its_bookings_on_the_centres_calendar(client, world, week, tab, expected):
    assert _listed(client, world.a.manager, tab=tab) == [week[name] for name in expected]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("user_name", ["manager_a", "national"])
def test_the_other_tab_pages_through_the_past_and_what_is_closed_ahead(
    client, world, week, user_name
):
    # Read as two parts (before today; closed from today on), merged newest first: bookings
    # cancelled ahead and past ones, over two pages, each once and in order.
    def booking(days: int, status: str) -> Booking:
        starts = _at(27, 9) + datetime.timedelta(days=days)
        return BookingFactory(
            enterprise=world.a.enterprise,
            consultant=world.a.consultant,
            status=status,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=45),
        )

    ahead = [booking(days, BookingStatus.CANCELLED) for days in range(30)]
    before = [booking(-10 - days, BookingStatus.COMPLETED) for days in range(30)]
    client.force_login(world.user(user_name))
    seen, params = [], {"tab": "other"}
    while True:
        response = client.get(INBOX, params)
        seen += [row.booking for row in response.context["rows"]]
        if not response.context["page"].has_next:
            break
        params["cursor"] = response.context["page"].next_cursor
    expected = [*ahead, *before, week["yesterday_late"], week["past"]]
    assert seen == sorted(expected, key=lambda b: (b.starts_at, b.pk), reverse=True)


@time_machine.travel(NOW, tick=False)
def test_the_first_tab_is_what_needs_action(client, world, week):
    unassigned_confirmed = unassigned_booking(
        enterprise=world.a.enterprise,
        status=BookingStatus.CONFIRMED,
        starts_at=_at(30, 15),
        ends_at=_at(30, 16),
    )
    assert _listed(client, world.a.manager) == [week["request"], unassigned_confirmed]


@time_machine.travel(NOW, tick=False)
def test_national_sees_every_centre_each_on_its_own_day(client, world, week):
    # 23:30 WIB on the 27th is already the 28th in Makassar: not "today" there.
    late = BookingFactory(
        enterprise=world.b.enterprise,
        starts_at=_at(27, 23, 30),
        ends_at=_at(27, 23, 59),
    )
    today = _listed(client, world.national, tab="today")
    assert week["today"] in today and week["other_centre"] in today
    assert late not in today


@time_machine.travel(NOW, tick=False)
def test_filters_narrow_the_list(client, world, week):
    other = StaffFactory(centre=world.a.centre).user
    theirs = BookingFactory(
        enterprise=world.a.enterprise,
        consultant=other,
        status=BookingStatus.CONFIRMED,
        starts_at=_at(27, 16),
        ends_at=_at(27, 17),
        service_area=ServiceArea.objects.get(code="it"),
    )
    manager, consultant = world.a.manager, world.a.consultant
    assert _listed(client, manager, tab="today", consultant=other.pk) == [theirs]
    assert _listed(client, manager, tab="today", area="it") == [theirs]
    assert _listed(client, manager, tab="today", status="completed") == []
    # A consultant sees the whole centre, and their own with "mine".
    assert _listed(client, consultant, tab="today") == [week["today"], theirs]
    assert _listed(client, consultant, tab="today", mine="on") == [week["today"]]
    # A consultant of another centre is not a choice: the list shows nothing, not everything.
    assert _listed(client, manager, tab="today", consultant=world.b.consultant.pk) == []


@time_machine.travel(NOW, tick=False)
def test_a_row_shows_the_time_with_its_zone_and_who_has_it(client, world, week):
    client.force_login(world.a.manager)
    body = client.get(INBOX).content.decode()
    assert "30 Nov 2026 09:00 WIB" in body
    assert "Belum ditetapkan" in body
    assert world.b.enterprise.name not in body


@time_machine.travel(NOW, tick=False)
def test_the_assign_menu_lists_consultants_of_the_area_first(client, world, week):
    marketing = ServiceArea.objects.get(code="marketing")
    for membership in StaffMembership.objects.filter(centre=world.a.centre):
        membership.areas.set([ServiceArea.objects.get(code="it")])
    covering = StaffFactory(centre=world.a.centre, areas=[marketing], user__first_name="Zaenal")
    client.force_login(world.a.manager)
    row = client.get(INBOX).context["rows"][0]
    assert row.booking == week["request"]
    assert row.covering == [covering.user]
    assert world.a.consultant in row.others and covering.user not in row.others
    body = client.get(INBOX).content.decode()
    assert body.index("Menangani bidang ini") < body.index("Konsultan lain")


@time_machine.travel(NOW, tick=False)
def test_buttons_follow_the_status_and_the_clock(client, world, week):
    client.force_login(world.a.manager)
    rows = {row.booking: row for row in client.get(INBOX, {"tab": "today"}).context["rows"]}
    today = rows[week["today"]]
    assert today.can_cancel and today.can_log and not today.can_confirm
    assert not today.can_no_show  # 14:00 has not come yet
    with time_machine.travel(_at(27, 14, 20), tick=False):
        rows = {row.booking: row for row in client.get(INBOX, {"tab": "today"}).context["rows"]}
    assert rows[week["today"]].can_no_show
    request = client.get(INBOX).context["rows"][0]
    assert request.can_decline and request.can_assign and not request.can_confirm
    assert request.needs_consultant and not request.can_log  # Monday, not today


# --- Acting from the list -------------------------------------------------------------------


def test_confirm_with_htmx_swaps_the_row(client, world, notices):
    booking = world.a.booking
    client.force_login(world.a.manager)
    response = client.post(_action(booking, "confirm"), {"next": INBOX}, **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "mentoring/_inbox_row.html"
    body = response.content.decode()
    assert f'id="booking-{booking.pk}"' in body and "Dikonfirmasi" in body
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert notices == [(booking.pk, "confirmed")]


def test_a_refusal_shows_on_the_row(client, world, notices):
    booking = unassigned_booking(enterprise=world.a.enterprise)
    client.force_login(world.a.manager)
    response = client.post(_action(booking, "confirm"), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body and "Tetapkan konsultan dulu" in body
    response = client.post(_action(booking, "decline"), {"reason": " "}, **HTMX)
    body = response.content.decode()
    assert 'role="alert"' in body and "Tuliskan alasannya" in body
    assert "<details open>" in body  # the reason form stays open
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED
    assert notices == []


def test_without_javascript_the_form_posts_and_comes_back(client, world, notices):
    client.force_login(world.a.manager)
    back = f"{INBOX}?tab=today"
    response = client.post(
        _action(world.a.booking, "decline"), {"reason": "Penuh", "next": back}, follow=True
    )
    assert response.redirect_chain == [(back, 302)]
    assert "Pemesanan ditolak" in response.content.decode()
    assert Booking.objects.get(pk=world.a.booking.pk).status == BookingStatus.CANCELLED


def test_a_refusal_without_javascript_comes_back_as_a_message(client, world, notices):
    booking = unassigned_booking(enterprise=world.a.enterprise)
    client.force_login(world.a.manager)
    response = client.post(
        _action(booking, "confirm"), {"next": "https://evil.example/"}, follow=True
    )
    assert response.redirect_chain == [(INBOX, 302)]
    assert "Tetapkan konsultan dulu" in response.content.decode()


def test_a_consultant_takes_an_unassigned_booking_but_gives_none_away(client, world, notices):
    starts_at = world.a.booking.ends_at + datetime.timedelta(hours=2)  # the consultant is free
    booking = unassigned_booking(
        enterprise=world.a.enterprise,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )
    colleague = StaffFactory(centre=world.a.centre).user
    client.force_login(world.a.consultant)
    url = _action(booking, "assign")
    assert client.post(url, {"consultant": colleague.pk}).status_code == 403
    assert client.post(url, {"consultant": world.a.consultant.pk}, **HTMX).status_code == 200
    assert Booking.objects.get(pk=booking.pk).consultant == world.a.consultant
    # Now it is theirs, the colleague cannot take it over.
    client.force_login(colleague)
    assert client.post(url, {"consultant": colleague.pk}).status_code == 403


def test_assign_refuses_a_consultant_of_another_centre(client, world, notices):
    client.force_login(world.a.manager)
    response = client.post(
        _action(world.a.booking, "assign"), {"consultant": world.b.consultant.pk}, **HTMX
    )
    assert "Pilih konsultan aktif" in response.content.decode()
    assert Booking.objects.get(pk=world.a.booking.pk).consultant == world.a.booking.consultant


def test_assign_refuses_a_busy_consultant_on_the_row(client, world, notices):
    booking = world.a.booking
    colleague = StaffFactory(centre=world.a.centre).user
    BookingFactory(
        enterprise=world.a.enterprise,
        consultant=colleague,
        status=BookingStatus.CONFIRMED,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )
    client.force_login(world.a.manager)
    response = client.post(_action(booking, "assign"), {"consultant": colleague.pk}, **HTMX)
    assert "sudah punya jadwal pada waktu itu" in response.content.decode()


# --- A booking's page -----------------------------------------------------------------------


def test_the_booking_page_shows_the_request_and_its_history(client, world, notices):
    consent = ConsentText.objects.create(version="2026-11", body="Saya setuju...", published_at=NOW)
    Booking.objects.filter(pk=world.a.booking.pk).update(
        description="Ingin memasarkan keripik ke luar kota", consent=consent
    )
    client.force_login(world.a.manager)
    client.post(_action(world.a.booking, "assign"), {"consultant": world.a.consultant.pk})
    client.post(_action(world.a.booking, "confirm"))
    body = client.get(_detail(world.a.booking)).content.decode()
    assert "Ingin memasarkan keripik ke luar kota" in body
    assert "2026-11" in body
    assert reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk]) in body
    # In words: the status's label, not its stored value (tests/plut/test_history_readable.py).
    assert "Diajukan → Dikonfirmasi" in body
    # Its forms post without htmx, so the history is fresh after each action.
    assert "hx-post" not in body


def _consultants_offered(client, user, **params) -> set[str]:
    client.force_login(user)
    field = client.get(INBOX, params).context["filterset"].form["consultant"]
    return {str(value) for value, _label in field.field.choices if value != ""}


@time_machine.travel(NOW, tick=False)
def test_nationally_the_consultants_are_offered_once_a_centre_is_chosen(client, world, week):
    a, b = str(world.a.consultant.pk), str(world.b.consultant.pk)
    assert _consultants_offered(client, world.national) == set()
    assert a in _consultants_offered(client, world.national, centre=world.a.centre.pk)
    assert b not in _consultants_offered(client, world.national, centre=world.a.centre.pk)
    # A province's few are listed at once; and any consultant in the scope still filters.
    assert a in _consultants_offered(client, world.a.officer)
    listed = _listed(client, world.national, tab="today", consultant=world.a.consultant.pk)
    assert listed == [week["today"]]


# --- Query counts ---------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    for i in range(n):
        BookingFactory(
            enterprise=world.a.enterprise,
            consultant=world.a.consultant,
            status=BookingStatus.CONFIRMED if i % 2 else BookingStatus.REQUESTED,
            starts_at=NOW + datetime.timedelta(days=3, hours=i),
            ends_at=NOW + datetime.timedelta(days=3, hours=i, minutes=45),
        )


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("user_name", "queries"),
    [
        # session, user, membership, centre; dropdowns: consultants, areas; the page, its
        # rows' centres (kept by each process: no query there), the "needs action" count; the
        # manager's assign menu: consultants and their areas
        ("manager_a", 11),
        ("consultant_a", 9),
        # session, user; dropdowns: consultants (nationally once a centre is chosen), areas,
        # centres; the page, its centres, the count; an officer's province (its clock)
        ("national", 7),
        ("officer_a", 9),
    ],
)
@pytest.mark.parametrize("extra", [0, 29])
def test_the_inbox_costs_the_same_with_1_or_30_bookings(
    client, world, django_assert_num_queries, user_name, queries, extra
):
    # Its own bookings, placed by the frozen clock: the world's was made at the real time.
    _grow(world, 1 + extra)
    client.force_login(world.user(user_name))
    for tab in ("needs", "upcoming"):
        with django_assert_num_queries(queries):
            response = client.get(INBOX, {"tab": tab})
        assert response.status_code == 200
    assert len(response.context["rows"]) >= 1 + extra // 2
