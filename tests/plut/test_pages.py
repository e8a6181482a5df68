"""Entry points as a permission table, and their query counts at 1 and at many rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plut.top.dashboards.facts import keep
from tests.factories.mentoring import BookingFactory, FollowUpFactory, SessionFactory

STAFF = ["national", "officer_a", "manager_a", "consultant_a"]


def _url(world, name):
    return {
        "home": "/",
        "healthz": "/healthz",
        "login": "/accounts/login/",
        "api": "/api/v1/",
        "staff": "/staff/",
        "me": "/accounts/me/",
        "dashboard": "/dashboard/",
        "national": "/dashboard/national/",
        "province_a": f"/dashboard/province/{world.a.centre.province_id}/",
        "centre_a": f"/dashboard/centre/{world.a.centre.pk}/",
    }[name]


# (user, page, expected status). An insider gets 200; a role that never uses the page gets
# 403; a role that uses such pages but not this one (another province/centre) gets 404.
TABLE = [
    *[(u, "home", 200) for u in ["anonymous", "owner_a", *STAFF]],
    ("anonymous", "healthz", 200),
    ("anonymous", "login", 200),
    ("anonymous", "api", 200),
    ("anonymous", "staff", 302),
    ("owner_a", "staff", 403),
    *[(u, "staff", 200) for u in STAFF],
    ("anonymous", "me", 302),
    ("owner_a", "me", 200),
    *[(u, "me", 403) for u in STAFF],
    ("anonymous", "dashboard", 302),
    ("national", "dashboard", 302),
    ("officer_a", "dashboard", 302),
    ("manager_a", "dashboard", 302),
    ("consultant_a", "dashboard", 403),
    ("owner_a", "dashboard", 403),
    ("national", "national", 200),
    ("officer_a", "national", 404),
    ("manager_a", "national", 404),
    ("national", "province_a", 200),
    ("officer_a", "province_a", 200),
    ("officer_b", "province_a", 404),
    ("manager_a", "province_a", 404),
    ("anonymous", "province_a", 302),
    ("owner_a", "province_a", 403),
    ("national", "centre_a", 200),
    ("officer_a", "centre_a", 200),
    ("manager_a", "centre_a", 200),
    ("officer_b", "centre_a", 404),
    ("manager_b", "centre_a", 404),
    ("consultant_a", "centre_a", 403),
]


@pytest.mark.parametrize(("user_name", "page", "status"), TABLE)
def test_page_permissions(client, world, user_name, page, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.get(_url(world, page))
    assert response.status_code == status
    if status == 302 and user is None:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("user_name", "expected"),
    [
        ("national", "/dashboard/national/"),
        ("officer_b", "/dashboard/province/73/"),
        ("manager_a", "/staff/"),
        ("consultant_b", "/staff/"),
        ("owner_a", "/accounts/me/"),
    ],
)
def test_login_lands_each_role_on_its_home(client, world, user_name, expected):
    client.force_login(world.user(user_name))
    response = client.get("/accounts/", follow=True)
    assert response.redirect_chain[-1][0] == expected


def test_dashboard_lands_each_role_on_its_own_scope(client, world):
    client.force_login(world.a.manager)
    assert client.get("/dashboard/")["Location"] == f"/dashboard/centre/{world.a.centre.pk}/"
    client.force_login(world.b.officer)
    assert client.get("/dashboard/")["Location"] == "/dashboard/province/73/"


def test_staff_home_never_shows_another_centres_rows(client, world):
    client.force_login(world.a.consultant)
    body = client.get("/staff/").content.decode()
    assert world.a.enterprise.name in body
    assert world.b.enterprise.name not in body
    assert world.b.centre.name not in body


def test_staff_home_shows_times_in_the_centres_zone(client, world):
    client.force_login(world.b.consultant)
    body = client.get("/staff/").content.decode()
    assert "WITA" in body  # Sulawesi Selatan
    assert "WIB" not in body


def _grow(world, n):
    """Add n sessions, follow-ups and bookings to side a."""
    for _ in range(n):
        session = SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
        FollowUpFactory(session=session)
        BookingFactory(enterprise=world.a.enterprise)


@pytest.mark.parametrize(
    ("user_name", "page", "queries"),
    [
        # session + user (+ membership for centre staff), then one query per list or figure
        # + centre, bookings, follow-ups, sessions, their clients, the rows' centres (kept by
        # each process: no query there)
        ("consultant_a", "staff", 9),
        # + enterprises, cooperatives, bookings, sessions, their centres, follow-ups, outcomes
        ("owner_a", "me", 9),
        # Dashboards: the pending facts (none), the filter choices, the place's cells, its
        # outcomes and the turnovers' enterprises (docs/dashboards.md)
        ("national", "national", 8),
        ("officer_a", "province_a", 10),  # + province lookup and its centres
        ("manager_a", "centre_a", 10),  # + membership + centre lookup
    ],
)
@pytest.mark.parametrize("extra_rows", [0, 49])
def test_query_count_does_not_grow_with_rows(
    client, world, django_assert_num_queries, user_name, page, queries, extra_rows
):
    _grow(world, extra_rows)
    keep.drain()  # the dashboards' facts as Celery keeps them after these writes
    client.force_login(world.user(user_name))
    url = _url(world, page)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_pages_speak_indonesian_whatever_the_browser_asks(client, world):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    response = client.post("/accounts/login/", {"username": "owner_a", "password": "salah"})
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()


def test_the_language_switch_is_remembered(client, world):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.get("/")["Content-Language"] == "en"
