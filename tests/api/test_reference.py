"""The public reference endpoints: a province, a regency and a service area, each found by
its code."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_regency_is_found_by_its_code_which_holds_a_dot(client, reference_data):
    url = reverse("api:regency-detail", kwargs={"pk": "18.72"})
    assert url == "/api/v1/regencies/18.72/"
    response = client.get(url)
    assert response.status_code == 200
    assert response.json() == {"code": "18.72", "name": "Kota Metro", "province": "18"}


def test_a_regency_that_does_not_exist_is_the_apis_404(client, reference_data):
    for url in ("/api/v1/regencies/18.99/", "/api/v1/regencies/18-72/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"


def test_a_province_and_a_service_area_are_found_by_their_codes(client, reference_data):
    assert client.get("/api/v1/provinces/18/").json()["name"] == "Lampung"
    assert client.get("/api/v1/service-areas/marketing/").json()["code"] == "marketing"
