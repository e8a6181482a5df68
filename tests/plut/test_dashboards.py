from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cooperatives.models import Cooperative
from plut.regions.models import Regency

pytestmark = pytest.mark.django_db


def _cooperatives(count: int, active: int, regency: Regency) -> None:
    recent = timezone.localdate() - datetime.timedelta(days=100)
    stale = timezone.localdate() - datetime.timedelta(days=365 * 5)
    Cooperative.objects.bulk_create(
        Cooperative(
            name=f"Koperasi {i}",
            type="jasa",
            regency=regency,
            members=10,
            workforce=1,
            last_rat_on=recent if i < active else stale,
        )
        for i in range(count)
    )


def test_lampung_with_5302_cooperatives_of_which_3017_active_shows_57_percent(client, world):
    Cooperative.objects.all().delete()
    _cooperatives(5302, 3017, Regency.objects.get(code="18.71"))
    _cooperatives(10, 10, Regency.objects.get(code="73.71"))  # another province, never counted
    client.force_login(world.a.officer)
    response = client.get("/dashboard/province/18/")
    body = response.content.decode()
    assert response.context["figures"].cooperatives == 5302
    assert response.context["figures"].cooperatives_active == 3017
    assert '<span id="kpi-active-rate">57 %</span>' in body
    assert response.context["figures"].members == 53020


def test_province_totals_never_include_another_province(client, world):
    client.force_login(world.national)
    figures = client.get("/dashboard/province/18/").context["figures"]
    assert (figures.sessions, figures.enterprises, figures.cooperatives) == (1, 1, 1)
    assert client.get("/dashboard/national/").context["figures"].sessions == 2


def test_drill_down_links_go_one_level_deeper(client, world):
    client.force_login(world.national)
    body = client.get("/dashboard/national/").content.decode()
    assert 'href="/dashboard/province/18/"' in body
    body = client.get("/dashboard/province/18/").content.decode()
    assert f'href="/dashboard/centre/{world.a.centre.pk}/"' in body
