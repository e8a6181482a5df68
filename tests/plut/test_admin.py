"""The admin narrows every list to the user's scope, like the rest of the portal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_manager(world):
    manager = world.a.manager
    manager.is_staff = True
    manager.save()
    manager.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["mentoring", "cooperatives"])
    )
    return manager


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
def test_manager_sees_only_own_centres_rows_in_the_admin(client, world, admin_manager, path, attr):
    client.force_login(admin_manager)
    response = client.get(f"/admin/{path}/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert list(response.context["cl"].result_list) == [getattr(world.a, attr)]
    # Another centre's record cannot be opened by id.
    other = client.get(f"/admin/{path}/{getattr(world.b, attr).pk}/change/")
    assert other.status_code == 302
    assert client.get(f"/admin/{path}/{getattr(world.a, attr).pk}/change/").status_code == 200


def test_national_admin_sees_everything(client, world):
    world.national.is_staff = world.national.is_superuser = True
    world.national.save()
    client.force_login(world.national)
    assert client.get("/admin/mentoring/mentoringsession/").context["cl"].result_count == 2
