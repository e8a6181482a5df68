"""The public directory's regencies for a province (``portal:regency_options``): what the home
page's script (static/js/list_filters.js) fetches as soon as the province changes, so a phone
lists Lampung's 15 regencies instead of all 514 before "Tampilkan". Public, read from the rows
each process keeps (clinics.centre_cache), and kept a day by browsers and proxies.
In Chromium: tests/browser/test_directory_regencies.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plut.foundation.regions.models import Regency

pytestmark = pytest.mark.django_db
# Committed writes, as in production: what a test's own transaction wrote is never kept.
committed = pytest.mark.django_db(transaction=True)

OPTIONS = reverse("portal:regency_options")
HOME = reverse("portal:home")


def _expected(**filters) -> list[dict[str, str]]:
    return [
        {"value": code, "label": name}
        for code, name in Regency.objects.filter(**filters)
        .order_by("code")
        .values_list("code", "name")
    ]


def _regencies(client, **params) -> list[dict[str, str]]:
    response = client.get(OPTIONS, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["regency"]  # the name of the dropdown the script refreshes
    return body["regency"]


def test_a_province_lists_exactly_its_regencies_in_code_order(client, reference_data):
    lampung = _regencies(client, province="18")
    assert lampung == _expected(province="18")
    assert len(lampung) == 15
    assert lampung[0] == {"value": "18.01", "label": "Kabupaten Lampung Selatan"}
    assert {"value": "18.71", "label": "Kota Bandar Lampung"} in lampung
    assert _regencies(client, province="73") == _expected(province="73")


@pytest.mark.parametrize("params", [{}, {"province": ""}], ids=["no province", "empty"])
def test_without_a_province_it_lists_every_regency(client, reference_data, params):
    everywhere = _regencies(client, **params)
    assert everywhere == _expected()
    assert len(everywhere) == 514


@pytest.mark.parametrize("province", ["99", "1", "18.71", "<script>", "18 "])
def test_an_unknown_province_lists_nothing(client, reference_data, province):
    assert _regencies(client, province=province) == []


def test_anyone_may_ask_and_only_read(client, reference_data, world):
    assert client.get(OPTIONS, {"province": "18"}).status_code == 200  # no login
    assert client.head(OPTIONS, {"province": "18"}).status_code == 200
    assert client.post(OPTIONS, {"province": "18"}).status_code == 405
    client.force_login(world.a.consultant)
    assert _regencies(client, province="18") == _expected(province="18")


def test_browsers_and_proxies_may_keep_it_a_day(client, reference_data, world):
    response = client.get(OPTIONS, {"province": "18"})
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=86400"}
    # The answer hangs on the URL alone: no negotiation on the language or the Accept header.
    # (Cookie is the language middleware's, on every response.)
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}
    assert vary <= {"cookie"}
    # Whatever a logged-in reader is sent stays out of shared caches (PrivateResponseMiddleware).
    client.force_login(world.a.consultant)
    response = client.get(OPTIONS, {"province": "18"})
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


@committed
def test_once_kept_it_reads_nothing(
    client, reference_data, settings, django_assert_max_num_queries
):
    settings.CENTRE_CACHE = True
    client.get(OPTIONS)  # the first answer of a process reads the regencies once
    for params in ({"province": "18"}, {"province": "99"}, {}):
        with django_assert_max_num_queries(0):
            assert client.get(OPTIONS, params).status_code == 200


def test_not_kept_it_reads_the_regencies_once(
    client, reference_data, settings, django_assert_max_num_queries
):
    settings.CENTRE_CACHE = False
    with django_assert_max_num_queries(1):
        assert len(_regencies(client, province="18")) == 15


def test_the_home_pages_province_dropdown_names_the_url_and_loads_the_script(
    client, reference_data
):
    response = client.get(HOME)
    body = response.content.decode()
    assert (
        f'<select name="province" aria-controls="id_regency" data-options-url="{OPTIONS}"' in body
    )
    assert 'id="id_regency"' in body
    assert "js/list_filters.js" in body
    # Same-origin scripts and fetches: what the script needs of the page's policy.
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert "'self'" in policy["script-src"].split()
    assert "'self'" in policy["connect-src"].split()


def test_without_scripts_the_submit_still_narrows_the_regencies(client, reference_data):
    lampung = client.get(HOME, {"province": "18"}).content.decode()
    assert lampung.count('<option value="18.') == len(_expected(province="18"))
    assert '<option value="73.' not in lampung
    everywhere = client.get(HOME).content.decode()
    assert everywhere.count('<option value="73.') == len(_expected(province="73"))
