"""Finding clients as you type, and registering a new enterprise without leaving the session."""

from __future__ import annotations

import pytest

from cooperatives.models import Enterprise, Person
from tests.factories.cooperatives import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _search(client, user, q):
    client.force_login(user)
    return client.get("/staff/clients/search/", {"q": q}, HTTP_HX_REQUEST="true")


@pytest.mark.parametrize(
    "query",
    [
        "Keripik",
        "keripik pisang",
        "owner",
        "nib",
        "phone",
        "cooperative name",
        "cooperative number",
    ],
)
def test_search_finds_a_client_by_any_of_its_keys(client, world, query):
    enterprise, cooperative = world.a.enterprise, world.a.cooperative
    q = {
        "owner": enterprise.owner.full_name.split()[0],
        "nib": enterprise.nib,
        "phone": "0" + enterprise.owner.phone[3:],  # as typed: 0812...
        "cooperative name": cooperative.name[:12],
        "cooperative number": cooperative.number,
    }.get(query, query)
    body = _search(client, world.a.consultant, q).content.decode()
    wanted = cooperative.name if query.startswith("cooperative") else enterprise.name
    assert f'data-label="{wanted}' in body


def test_search_never_shows_another_centres_clients(client, world):
    body = _search(client, world.a.consultant, world.b.enterprise.nib).content.decode()
    assert world.b.enterprise.name not in body
    assert "Tidak ada klien yang cocok" in body


@pytest.mark.parametrize(
    ("user_name", "status"), [("anonymous", 302), ("owner_a", 403), ("consultant_a", 200)]
)
def test_search_permissions(client, world, user_name, status):
    if world.user(user_name):
        client.force_login(world.user(user_name))
    assert client.get("/staff/clients/search/", {"q": "ker"}).status_code == status


def _register(client, user, htmx=True, **fields):
    data = {
        "new-name": "Sambal Bu Rini",
        "new-nib": "9120300000077",
        "new-kbli": "10773",
        "new-regency": "18.71",
        "new-annual_turnover": "120000000",
        "new-employees": "2",
        "new-owner_name": "Rini Lestari",
        "new-owner_nik": "1871015304900007",
        "new-owner_gender": "P",
        "new-owner_phone": "0813-1234-5678",
    }
    data.update({f"new-{k}": v for k, v in fields.items()})
    client.force_login(user)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post("/staff/enterprises/new/", data, **headers)


def test_registering_inline_creates_the_enterprise_and_its_owner(client, world):
    response = _register(client, world.a.consultant)
    enterprise = Enterprise.objects.get(nib="9120300000077")
    assert f'data-registered="enterprise" data-id="{enterprise.pk}"' in response.content.decode()
    assert enterprise.centre == world.a.centre
    assert enterprise.owner.phone == "+6281312345678"
    assert enterprise.owner.centre == world.a.centre
    assert enterprise.scale == "micro"


def test_without_htmx_registration_goes_to_the_profile(client, world):
    response = _register(client, world.a.consultant, htmx=False)
    enterprise = Enterprise.objects.get(nib="9120300000077")
    assert response["Location"] == f"/staff/enterprises/{enterprise.pk}/"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nib": "123"}, "NIB harus terdiri dari 13 angka."),
        ({"owner_nik": "1871019999900007"}, "Tanggal lahir dalam NIK"),
        ({"owner_phone": "12345"}, "Nomor telepon tidak valid"),
        ({"regency": "73.71"}, "Masukkan pilihan yang valid"),  # a regency of another province
        ({"name": ""}, "Bidang ini harus diisi."),
        ({"owner_gender": "L"}, "Jenis kelamin tidak sesuai dengan NIK"),
    ],
)
def test_bad_registration_is_explained_and_nothing_is_saved(client, world, fields, message):
    people = Person.objects.count()
    response = _register(client, world.a.consultant, **fields)
    assert message in response.content.decode()
    assert not Enterprise.objects.filter(nib="9120300000077").exists()
    assert Person.objects.count() == people


def test_an_existing_nib_is_refused(client, world):
    response = _register(client, world.a.consultant, nib=world.b.enterprise.nib)
    assert "NIB ini sudah terdaftar untuk usaha lain." in response.content.decode()


def test_a_likely_duplicate_is_pointed_out_before_saving(client, world):
    existing = EnterpriseFactory(name="Keripik Barokah", centre=world.a.centre)
    existing.regency_id = "18.71"
    existing.save()
    response = _register(client, world.a.consultant, name="Kripik Barokah", nib="")
    body = response.content.decode()
    assert "Mungkin sudah terdaftar" in body
    assert f'data-id="{existing.pk}"' in body
    assert not Enterprise.objects.filter(name="Kripik Barokah").exists()
    # The consultant looked and says it is a different business.
    _register(client, world.a.consultant, name="Kripik Barokah", nib="", confirm_new="on")
    assert Enterprise.objects.filter(name="Kripik Barokah").exists()


def test_same_owner_nik_is_a_likely_duplicate_and_the_owner_is_reused(client, world):
    owner = PersonFactory(nik="1871015304900007", centre=world.a.centre, gender="P")
    EnterpriseFactory(owner=owner, centre=world.a.centre, name="Warung Lama")
    response = _register(client, world.a.consultant)
    assert "Warung Lama" in response.content.decode()
    _register(client, world.a.consultant, confirm_new="on")
    assert Enterprise.objects.get(nib="9120300000077").owner == owner


def test_an_owner_nik_of_another_centre_is_refused(client, world):
    world.b.person.nik = "1871015304900007"
    world.b.person.gender = "P"
    world.b.person.save()
    response = _register(client, world.a.consultant, confirm_new="on")
    assert "sudah terdaftar sebagai klien PLUT lain" in response.content.decode()
    assert not Enterprise.objects.filter(nib="9120300000077").exists()


@pytest.mark.parametrize(
    ("user_name", "status"), [("officer_a", 403), ("national", 403), ("owner_a", 403)]
)
def test_only_centre_staff_register_clients(client, world, user_name, status):
    client.force_login(world.user(user_name))
    assert client.get("/staff/enterprises/new/").status_code == status
