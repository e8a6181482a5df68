"""A centre's public details, kept up to date in the workspace by its manager, its province's
officer or a national user, and shown on the centre's public page."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from clinics import centre_cache
from clinics.models import Centre, ServiceArea
from plut.foundation.core import versions
from tests.factories.clinics import StaffFactory

pytestmark = pytest.mark.django_db

LIST = reverse("clinics:centres")


def _edit(centre: Centre) -> str:
    return reverse("clinics:centre_edit", args=[centre.pk])


def _public(centre: Centre) -> str:
    return reverse("directory:centre_detail", args=[centre.pk])


def _areas(*codes: str) -> list[ServiceArea]:
    return list(ServiceArea.objects.filter(code__in=codes).order_by("code"))


def _details(**changes) -> dict:
    values = {
        "address": "Jl. Cut Mutia No. 23\nGulak Galik, Bandar Lampung",
        "phone": "(0721) 486789",
        "whatsapp": "0812-3456-7890",
        "email": "plut@lampungprov.go.id",
        "opening_hours": "Senin–Jumat 08.00–16.00",
        "map_url": "https://maps.app.goo.gl/AbCdEf123",
        "service_areas": [area.pk for area in _areas("financing", "marketing")],
    }
    return {key: value for key, value in (values | changes).items() if value is not None}


def _url(world, where: str) -> str:
    return {"list": LIST, "edit_a": _edit(world.a.centre)}[where]


# (user, method, page, status). A manager edits their own centre (and the list takes them
# straight there), an officer their province's, a national user every centre; consultants and
# owners never (403); another centre or province's centre is not found (404).
TABLE = [
    *[("anonymous", method, where, 302) for method in ("get", "post") for where in ("edit_a",)],
    ("anonymous", "get", "list", 302),
    *[
        (user, method, where, 403)
        for user in ("owner_a", "consultant_a", "owner_b", "consultant_b")
        for method in ("get", "post")
        for where in ("edit_a",)
    ],
    *[(user, "get", "list", 403) for user in ("owner_a", "consultant_a")],
    *[(user, "get", "list", 200) for user in ("national", "officer_a", "officer_b")],
    *[(user, "get", "list", 302) for user in ("manager_a", "manager_b")],
    *[(user, "post", "list", 405) for user in ("anonymous", "national", "manager_a")],
    *[(user, "get", "edit_a", 200) for user in ("national", "officer_a", "manager_a")],
    *[(user, "post", "edit_a", 302) for user in ("national", "officer_a", "manager_a")],
    *[
        (user, method, "edit_a", 404)
        for user in ("manager_b", "officer_b")
        for method in ("get", "post")
    ],
]


@pytest.mark.parametrize(("user_name", "method", "where", "status"), TABLE)
def test_permissions(client, world, user_name, method, where, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = getattr(client, method)(_url(world, where), _details() if method == "post" else None)
    assert response.status_code == status
    if status == 302 and user is None:
        assert response["Location"].startswith(reverse("login"))
    centre = Centre.objects.get(pk=world.a.centre.pk)
    saved = method == "post" and status == 302 and user is not None
    assert (centre.phone == "+62721486789") is saved


def test_the_list_goes_to_the_managers_own_centre(client, world):
    client.force_login(world.b.manager)
    assert client.get(LIST)["Location"] == _edit(world.b.centre)


def test_an_officer_lists_the_centres_of_their_province_only(client, world):
    client.force_login(world.b.officer)
    centres = list(client.get(LIST).context["centres"])
    assert world.b.centre in centres
    assert world.a.centre not in centres
    assert {centre.province_id for centre in centres} == {world.b.centre.province_id}


# --- Saving -----------------------------------------------------------------------------------


def test_the_details_are_saved_with_numbers_in_e164(client, world):
    client.force_login(world.a.manager)
    response = client.post(_edit(world.a.centre), _details())
    assert response["Location"] == _edit(world.a.centre)
    centre = Centre.objects.get(pk=world.a.centre.pk)
    assert centre.address == "Jl. Cut Mutia No. 23\nGulak Galik, Bandar Lampung"
    assert (centre.phone, centre.whatsapp) == ("+62721486789", "+6281234567890")
    assert centre.email == "plut@lampungprov.go.id"
    assert centre.opening_hours == "Senin–Jumat 08.00–16.00"
    assert centre.map_url == "https://maps.app.goo.gl/AbCdEf123"
    assert list(centre.service_areas.order_by("code")) == _areas("financing", "marketing")
    assert centre.whatsapp_url == "https://wa.me/6281234567890"
    # What the reference data says of the centre stays as it was.
    assert (centre.name, centre.city, centre.source_url) == (
        world.a.centre.name,
        world.a.centre.city,
        world.a.centre.source_url,
    )


def test_every_detail_may_be_left_empty(client, world):
    client.force_login(world.a.officer)
    empty = {key: "" for key in ("address", "phone", "whatsapp", "email", "opening_hours")}
    response = client.post(_edit(world.a.centre), _details(**empty, map_url="", service_areas=[]))
    assert response.status_code == 302
    centre = Centre.objects.get(pk=world.a.centre.pk)
    assert (centre.phone, centre.whatsapp, centre.map_url) == ("", "", "")
    assert not centre.service_areas.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "Nomor telepon tidak valid."),
        ({"whatsapp": "0812"}, "whatsapp", "Nomor telepon tidak valid."),
        ({"email": "plut@"}, "email", "Alamat email tidak valid"),
        ({"map_url": "http://maps.example.com/plut"}, "map_url", "harus diawali https://"),
        ({"map_url": "javascript:alert(1)"}, "map_url", "Tautan peta tidak valid."),
        ({"address": "x" * 501}, "address", "paling banyak 500 karakter"),
        ({"opening_hours": "x" * 201}, "opening_hours", "paling banyak 200 karakter"),
        ({"service_areas": ["999999"]}, "service_areas", "Pilih dari bidang layanan yang aktif."),
    ],
)
def test_invalid_details_are_refused_in_indonesian_and_nothing_is_saved(
    client, world, changes, field, message
):
    before = Centre.objects.get(pk=world.a.centre.pk)
    areas_before = set(before.service_areas.values_list("pk", flat=True))
    entries_before = LogEntry.objects.count()
    client.force_login(world.a.manager)
    response = client.post(_edit(world.a.centre), _details(**changes))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message in response.content.decode()
    after = Centre.objects.get(pk=world.a.centre.pk)
    assert (after.phone, after.email, after.address, after.map_url) == (
        before.phone,
        before.email,
        before.address,
        before.map_url,
    )
    assert set(after.service_areas.values_list("pk", flat=True)) == areas_before
    assert LogEntry.objects.count() == entries_before


def test_an_area_no_longer_offered_is_taken_off_the_staff(client, world):
    membership = world.a.consultant.staff_membership
    assert membership.areas.filter(code="production").exists()
    client.force_login(world.a.manager)
    client.post(_edit(world.a.centre), _details())
    assert sorted(membership.areas.values_list("code", flat=True)) == ["financing", "marketing"]
    # Another centre's staff keep theirs.
    assert world.b.consultant.staff_membership.areas.filter(code="production").exists()


def test_an_area_switched_off_nationally_stays_as_it_was(client, world):
    ServiceArea.objects.filter(code="it").update(is_active=False)
    client.force_login(world.a.manager)
    client.post(_edit(world.a.centre), _details())
    offered = set(world.a.centre.service_areas.values_list("code", flat=True))
    assert offered == {"financing", "marketing", "it"}


# --- Audit ------------------------------------------------------------------------------------


def test_the_change_is_in_the_audit_trail_with_who_made_it(client, world):
    client.force_login(world.a.officer)
    client.post(_edit(world.a.centre), _details())
    entries = LogEntry.objects.get_for_object(world.a.centre).order_by("timestamp")
    update = entries.filter(action=LogEntry.Action.UPDATE, changes__has_key="phone").get()
    assert update.actor == world.a.officer
    assert update.changes["phone"] == ["", "+62721486789"]
    assert update.changes["whatsapp"] == ["", "+6281234567890"]
    areas = [entry for entry in entries if "service_areas" in entry.changes]
    assert areas and all(entry.actor == world.a.officer for entry in areas)
    # The staff member who lost an area has it in their own trail too.
    membership = world.a.consultant.staff_membership
    removed = LogEntry.objects.get_for_object(membership).filter(changes__has_key="areas")
    assert removed.filter(actor=world.a.officer).exists()


def test_the_page_shows_the_history_and_the_public_source(client, world):
    client.force_login(world.a.manager)
    client.post(_edit(world.a.centre), _details())
    body = client.get(_edit(world.a.centre)).content.decode()
    assert "Riwayat perubahan" in body
    assert "+62721486789" in body
    assert "manager_a" in body or world.a.manager.get_full_name() in body
    assert "amp.kontan.co.id" in body  # where the centre's first data came from


# --- Queries ----------------------------------------------------------------------------------


def _edits(client, world, count: int) -> None:
    client.force_login(world.a.manager)
    for number in range(count):
        client.post(_edit(world.a.centre), _details(phone=f"(0721) 4867{number:02d}"))


@pytest.mark.parametrize("edits", [1, 20])
def test_the_edit_page_costs_the_same_however_long_its_history(
    client, world, django_assert_num_queries, edits
):
    _edits(client, world, edits)
    # session, user, membership (scope), the centre, its areas (the form's initial), the
    # area choices, the history, its actors' names are joined
    with django_assert_num_queries(7):
        response = client.get(_edit(world.a.centre))
    assert response.status_code == 200
    assert len(response.context["history"]) >= edits


@pytest.mark.parametrize("extra", [0, 20])
def test_the_list_costs_the_same_however_many_centres(
    client, world, django_assert_num_queries, extra
):
    for number in range(extra):
        Centre.objects.create(
            name=f"PLUT KUMKM Uji {number}",
            level="province",
            province=world.b.centre.province,
        )
    client.force_login(world.b.officer)
    with django_assert_num_queries(3):  # session, user, the centres with their provinces
        response = client.get(LIST)
    assert len(response.context["centres"]) == 2 + extra


# --- Where it shows ---------------------------------------------------------------------------


def test_the_public_page_shows_the_contact_details(client, world):
    client.force_login(world.a.manager)
    client.post(_edit(world.a.centre), _details())
    client.logout()
    body = client.get(_public(world.a.centre)).content.decode()
    assert "Jl. Cut Mutia No. 23<br>Gulak Galik, Bandar Lampung" in body
    assert 'href="tel:+62721486789"' in body
    assert 'href="https://wa.me/6281234567890"' in body
    assert 'href="mailto:plut@lampungprov.go.id"' in body
    assert 'href="https://maps.app.goo.gl/AbCdEf123"' in body
    assert "Senin–Jumat 08.00–16.00" in body
    assert "Akses Pembiayaan" in body and "Produksi" not in body


def test_the_public_page_leaves_out_what_is_not_filled_in(client, world):
    body = client.get(_public(world.a.centre)).content.decode()
    assert "wa.me" not in body and "tel:" not in body and "Lihat di peta" not in body


def test_the_kept_centres_are_read_again_after_an_edit(client, world, settings):
    settings.CENTRE_CACHE = True
    kept = centre_cache.centres_by_id([world.a.centre.pk])[world.a.centre.pk]
    assert kept.phone == ""
    token = versions.version(centre_cache.VERSIONS)
    client.force_login(world.a.manager)
    client.post(_edit(world.a.centre), _details())
    assert versions.version(centre_cache.VERSIONS) != token
    assert centre_cache.centres_by_id([world.a.centre.pk])[world.a.centre.pk].phone == (
        "+62721486789"
    )


def test_a_second_manager_of_the_centre_edits_it_too(client, world):
    second = StaffFactory(user__role="manager", centre=world.a.centre).user
    client.force_login(second)
    assert client.get(_edit(world.a.centre)).status_code == 200
