"""The admin is for active national administrators only (issue #21, finding 1).

Managers and officers escaped their scope through the admin: its change lists were narrowed,
but foreign-key choices and saves were not. Now every admin URL refuses every other role, even
one given ``is_staff`` and every model permission. The table covers every model registered in
the admin (read from the site, so a new registration is covered at once) against each role and
each kind of page; the scenarios re-play the reported escapes with a form the admin would accept
(built from the national administrator's own form) and check that nothing changed.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.db.models import Model
from django.forms import MultiWidget
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from clinics.models import Centre, ServiceArea, StaffMembership
from mentoring.models import Outcome
from plut.foundation.accounts.models import User
from plut.foundation.accounts.scope import visible_to
from tests.conftest import World

pytestmark = pytest.mark.django_db

ROLES = ("manager_a", "officer_a", "consultant_a", "owner_a")
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
LOGIN = reverse("admin:login")


def _url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _refused(response: HttpResponse) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def _snapshot(model: type[Model]) -> list[dict[str, Any]]:
    return list(model._default_manager.order_by("pk").values())


def _staff_with_every_permission(world: World, name: str) -> User:
    """The role's user with is_staff and every model permission: neither opens the admin."""
    user = world.user(name)
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=user.pk)


def _rows(user: User, model: type[Model]) -> tuple[Model | None, Model | None]:
    """A row inside the user's scope and one outside it (None where there is none)."""
    rows = model._default_manager.order_by("pk")
    if not hasattr(model, "scope_paths"):
        return rows.first(), None
    inside = visible_to(user, rows)
    return inside.first(), rows.exclude(pk__in=inside.values("pk")).first()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_refuses_other_roles_even_with_staff_and_every_permission(
    client, world, role, model
):
    user = _staff_with_every_permission(world, role)
    client.force_login(user)
    inside, outside = _rows(user, model)
    before = _snapshot(model)
    urls = [_url(model, "changelist"), _url(model, "add")]
    for row in (inside, outside):
        if row is not None:
            urls += [_url(model, view, quote(row.pk)) for view in ("change", "delete", "history")]
    for url in urls:
        assert _refused(client.get(url)), f"GET {url}"
        assert _refused(client.post(url, {"post": "yes"})), f"POST {url}"
    if inside is not None:
        action = {"action": "delete_selected", "_selected_action": [inside.pk], "post": "yes"}
        assert _refused(client.post(_url(model, "changelist"), action))
    assert _snapshot(model) == before


@pytest.mark.parametrize("role", ROLES)
def test_the_index_autocomplete_and_own_password_page_refuse_other_roles(client, world, role):
    client.force_login(_staff_with_every_permission(world, role))
    autocomplete = "/admin/autocomplete/?app_label=clinics&model_name=staffmembership"
    for url in ("/admin/", f"{autocomplete}&field_name=centre", "/admin/password_change/"):
        assert _refused(client.get(url)), url


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_login_form_refuses_other_roles_with_the_right_password(world, role):
    _staff_with_every_permission(world, role)
    client = Client()
    response = client.post(LOGIN, {"username": role, "password": "rahasia-123"})
    assert response.status_code == 200  # the form again, with the usual error
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_the_national_administrator_opens_every_list(client, world, model):
    User.objects.filter(pk=world.national.pk).update(is_staff=True, is_superuser=True)
    client.force_login(world.national)
    assert client.get(_url(model, "changelist")).status_code == 200


def test_a_superuser_of_another_role_is_refused(client, world):
    User.objects.filter(pk=world.a.manager.pk).update(is_staff=True, is_superuser=True)
    client.force_login(world.a.manager)
    assert _refused(client.get(_url(Centre, "changelist")))


def test_an_inactive_national_administrator_is_refused(client, world):
    User.objects.filter(pk=world.national.pk).update(is_staff=True, is_superuser=True)
    client.force_login(world.national)
    User.objects.filter(pk=world.national.pk).update(is_active=False)
    response = client.get(_url(Centre, "changelist"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- The reported escapes, re-played ------------------------------------------------------------


def _put(data: dict[str, Any], key: str, widget: Any, value: Any) -> None:
    if isinstance(widget, MultiWidget):  # the admin's split date and time
        for index, (part_widget, part) in enumerate(
            zip(widget.widgets, widget.decompress(value), strict=True)
        ):
            _put(data, f"{key}_{index}", part_widget, part)
    elif value is True:
        data[key] = "on"
    elif isinstance(value, list | tuple):
        data[key] = [str(item) for item in value]
    elif value is not None and value is not False:
        data[key] = str(value)


def _form_data(client: Client, url: str) -> dict[str, Any]:
    """What the admin form at ``url`` posts back unchanged (inlines included), as the national
    administrator sees it: the refused roles get a form the admin would otherwise accept."""
    response = client.get(url)
    assert response.status_code == 200
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for name, field in form.fields.items():
            _put(data, form.add_prefix(name), field.widget, form[name].value())
    return data


def _escapes(world: World) -> dict[str, tuple[str, dict[str, Any], type[Model]]]:
    """Each reported escape: the URL, the form posted there, and the table it must not change."""
    national = Client()
    User.objects.filter(pk=world.national.pk).update(is_staff=True, is_superuser=True)
    national.force_login(world.national)
    a, b = world.a, world.b
    membership = StaffMembership.objects.get(user=a.consultant)
    area = ServiceArea.objects.order_by("pk").first()
    move_colleague = _url(StaffMembership, "change", membership.pk)
    add_outcome = _url(Outcome, "add")
    move_centre = _url(Centre, "change", a.centre.pk)
    edit_area = _url(ServiceArea, "change", area.pk)
    escapes = {
        "colleague to another province's centre": (
            move_colleague,
            {**_form_data(national, move_colleague), "centre": str(b.centre.pk)},
            StaffMembership,
        ),
        "outcome for another province's enterprise": (
            add_outcome,
            {
                **_form_data(national, add_outcome),
                "enterprise": str(b.enterprise.pk),
                "recorded_on": datetime.date(2026, 1, 15).isoformat(),
                "employees": "9",
            },
            Outcome,
        ),
        "centre to another province": (
            move_centre,
            {
                **_form_data(national, move_centre),
                "province": b.centre.province_id,
                "regency": str(b.centre.regency_id or ""),
            },
            Centre,
        ),
        "national service area": (
            edit_area,
            {**_form_data(national, edit_area), "name_id": "Diubah", "slot_minutes": "15"},
            ServiceArea,
        ),
    }
    return escapes


ESCAPES = (
    "colleague to another province's centre",
    "outcome for another province's enterprise",
    "centre to another province",
    "national service area",
)


@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize("role", ROLES)
def test_a_reported_escape_is_refused_and_changes_nothing(client, world, role, escape):
    url, data, model = _escapes(world)[escape]
    client.force_login(_staff_with_every_permission(world, role))
    before = _snapshot(model)
    assert _refused(client.post(url, data))
    assert _snapshot(model) == before


@pytest.mark.parametrize("escape", ESCAPES)
def test_the_same_form_does_change_the_data_for_the_national_administrator(client, world, escape):
    # The control: the forms above are ones the admin accepts, so a refusal is the site's.
    url, data, model = _escapes(world)[escape]
    client.force_login(world.national)
    before = _snapshot(model)
    response = client.post(url, data)
    assert response.status_code == 302, getattr(response, "context_data", {}).get("errors")
    assert _snapshot(model) != before
