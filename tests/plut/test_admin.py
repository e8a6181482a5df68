"""The admin is the national administrators' (other roles are refused: see
tests/security/test_admin_scope.py); they see every province's rows."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def national_admin(world):
    world.national.is_staff = world.national.is_superuser = True
    world.national.save()
    return world.national


@pytest.mark.parametrize(
    ("path", "attr"),
    [
        ("mentoring/mentoringsession", "session"),
        ("cooperatives/enterprise", "enterprise"),
        ("cooperatives/cooperative", "cooperative"),
        ("mentoring/booking", "booking"),
        ("mentoring/outcome", "outcome"),
    ],
)
def test_national_admin_lists_and_opens_every_provinces_rows(
    client, world, national_admin, path, attr
):
    client.force_login(national_admin)
    response = client.get(f"/admin/{path}/")
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {
        getattr(world.a, attr),
        getattr(world.b, attr),
    }
    for side in (world.a, world.b):
        assert client.get(f"/admin/{path}/{getattr(side, attr).pk}/change/").status_code == 200


def test_national_admin_sees_everything(client, world, national_admin):
    client.force_login(national_admin)
    assert client.get("/admin/mentoring/mentoringsession/").context["cl"].result_count == 2
