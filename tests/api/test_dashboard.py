"""The dashboard over the API: the same figures as the dashboard's selectors, per place."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from plut.top.dashboards.facts import keep
from tests.conftest import World
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import SessionFactory


def _cards(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {card["key"]: card for card in response.json()["cards"]}


def test_each_role_lands_on_its_own_place(as_user, world: World) -> None:
    world.sessions_mid_last_month()
    national = as_user("national").get("/api/v1/dashboard/").json()
    officer = as_user("officer_a").get("/api/v1/dashboard/").json()
    manager = as_user("manager_a").get("/api/v1/dashboard/").json()
    assert national["place"] == {"level": "national", "key": None, "name": "Indonesia"}
    assert officer["place"]["key"] == world.a.centre.province_id
    assert manager["place"]["key"] == str(world.a.centre.pk)
    assert _cards(as_user("national").get("/api/v1/dashboard/"))["sessions"]["current"] == 2
    assert _cards(as_user("manager_a").get("/api/v1/dashboard/"))["sessions"]["current"] == 1


def test_places_outside_the_scope_are_404(as_user, world: World) -> None:
    officer = as_user("officer_a")
    other = world.b.centre.province_id
    assert officer.get(f"/api/v1/dashboard/?level=province&key={other}").status_code == 404
    assert officer.get("/api/v1/dashboard/?level=national").status_code == 404
    own = officer.get(f"/api/v1/dashboard/?level=centre&key={world.a.centre.pk}")
    assert _cards(own)["sessions"]["current"] == 1


def test_bad_parameters_are_400(as_user, world: World) -> None:
    national = as_user("national")
    for query, field in [
        ("level=planet", "level"),
        ("level=centre&key=abc", "key"),
        ("period=forever", "period"),
        ("period=custom&date_from=2026-02-30", "date_from"),
    ]:
        response = national.get(f"/api/v1/dashboard/?{query}")
        assert response.status_code == 400, (query, response.content)
        assert field in response.json()["error"]["fields"], (query, response.json())


def test_query_count_does_not_grow_with_rows(as_user, world: World) -> None:
    client = as_user("national")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/dashboard/").status_code == 200
        return len(queries)

    keep.drain()  # counted with the facts current, as Celery keeps them
    few = count()
    for _ in range(20):
        SessionFactory(
            consultant=world.a.consultant, enterprises=[EnterpriseFactory(centre=world.a.centre)]
        )
    keep.drain()
    assert count() == few
