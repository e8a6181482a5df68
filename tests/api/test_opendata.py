"""Open data: anonymised aggregates, small cells suppressed, JSON and CSV."""

from __future__ import annotations

import csv
import io

from clinics.models import ServiceArea
from mentoring.models import MentoringSession
from plut.top.api.opendata import SMALL_CELL
from tests.conftest import World
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import SessionFactory


def _sessions(world: World, count: int, side: str = "a", area: str = "financing") -> None:
    consultant = getattr(world, side).consultant
    service_area = ServiceArea.objects.get(code=area)
    for _ in range(count):
        enterprise = EnterpriseFactory(centre=getattr(world, side).centre)
        SessionFactory(consultant=consultant, enterprises=[enterprise], service_area=service_area)


def test_per_province_with_small_cells_suppressed(client, world: World) -> None:
    _sessions(world, SMALL_CELL)  # side a: 6 sessions, 6 enterprises; side b: 1 of each
    body = client.get("/api/v1/open/?by=province").json()
    rows = {row["key"]: row for row in body["rows"]}
    a, b = rows[world.a.centre.province_id], rows[world.b.centre.province_id]
    assert (a["sessions"], a["enterprises"], a["suppressed"]) == (
        SMALL_CELL + 1,
        SMALL_CELL + 1,
        False,
    )
    assert a["contact_hours"] == SMALL_CELL + 1  # 60 minutes each
    assert (b["sessions"], b["enterprises"], b["contact_hours"], b["suppressed"]) == (
        None,
        None,
        None,
        True,
    )


def test_a_group_session_counts_its_minutes_once(client, world: World) -> None:
    enterprises = EnterpriseFactory.create_batch(6, centre=world.a.centre)
    for _ in range(5):
        SessionFactory(consultant=world.a.consultant, enterprises=enterprises)
    rows = {row["key"]: row for row in client.get("/api/v1/open/?by=centre").json()["rows"]}
    cell = rows[str(world.a.centre.pk)]
    assert (cell["sessions"], cell["enterprises"], cell["contact_hours"]) == (6, 7, 6.0)


def test_by_area_and_month(client, world: World) -> None:
    _sessions(world, 5, area="marketing")
    by_area = {row["key"]: row for row in client.get("/api/v1/open/?by=area").json()["rows"]}
    assert by_area["marketing"]["sessions"] == 5
    assert by_area["financing"]["suppressed"] is True
    months = client.get("/api/v1/open/?by=month&months=3").json()["rows"]
    assert sum(row["sessions"] or 0 for row in months) <= MentoringSession.objects.count()
    assert all(len(row["key"]) == 7 for row in months)  # YYYY-MM


def test_csv_has_no_personal_data(client, world: World) -> None:
    _sessions(world, 5)
    response = client.get("/api/v1/open/?by=centre&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert set(rows[0]) == {
        "key",
        "label",
        "sessions",
        "enterprises",
        "contact_hours",
        "suppressed",
    }
    assert world.a.enterprise.name not in text
    assert world.a.person.full_name not in text


def test_query_count_does_not_grow(client, world: World, django_assert_num_queries) -> None:
    with django_assert_num_queries(2):
        client.get("/api/v1/open/?by=province")
    _sessions(world, 20)
    with django_assert_num_queries(2):
        client.get("/api/v1/open/?by=province")
