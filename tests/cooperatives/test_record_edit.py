"""Correcting a client's record in the workspace: a person, an enterprise, a cooperative.

Who may (the record's centre's staff, the province's officers, national users), the rules
(the registration's own), identifiers another record holds, two staff saving at once, the
audit trail, and what the pages cost and show of a NIK.
"""

from __future__ import annotations

import datetime
import re
import threading
from html import unescape

import pytest
from auditlog.models import LogEntry
from django.db import connection, connections
from django.urls import reverse

from cooperatives.forms import EnterpriseEditForm, EnterpriseRegisterForm, PersonEditForm
from cooperatives.models import Cooperative, Enterprise, Person
from cooperatives.services.records import RecordChanged, enterprise_correct
from plut.foundation.core.phone import phone_mask
from tests.factories.cooperatives import EnterpriseFactory

pytestmark = pytest.mark.django_db

PAGES = ["enterprise", "cooperative", "person"]
INSIDERS = ["national", "officer_a", "manager_a", "consultant_a"]
OUTSIDERS = ["manager_b", "consultant_b", "officer_b"]
# Valid NIKs not used by the factories (187101120585nnnn): a man born 12-05-1985 and a woman
# born 13-04-1990 (day + 40).
NEW_NIK = "1871011205859999"
WOMANS_NIK = "1871015304900007"


def _record(world, page: str, side: str = "a"):
    return getattr(getattr(world, side), page)


def _url(world, page: str, side: str = "a") -> str:
    record = _record(world, page, side)
    return reverse(f"cooperatives:{page}_edit", args=[record.pk])


def _profile(world, page: str) -> str:
    if page == "cooperative":
        return reverse("mentoring:cooperative_profile", args=[world.a.cooperative.pk])
    return reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk])


def _data(record, **changes) -> dict[str, str]:
    """What the edit page's form sends back for ``record`` untouched, then ``changes``."""
    record.refresh_from_db()
    if isinstance(record, Enterprise):
        data = {
            "name": record.name,
            "nib": record.nib or "",
            "kbli": record.kbli,
            "regency": record.regency_id,
            "address": record.address,
            "business_capital": record.business_capital or "",
            "annual_turnover": record.annual_turnover or "",
            "employees": record.employees,
        }
    elif isinstance(record, Cooperative):
        data = {
            "name": record.name,
            "number": record.number or "",
            "legal_entity_number": record.legal_entity_number,
            "legal_entity_date": record.legal_entity_date or "",
            "type": record.type,
            "regency": record.regency_id,
            "address": record.address,
            "members": record.members,
            "workforce": record.workforce,
            "last_rat_on": record.last_rat_on or "",
        }
    else:
        data = {
            "full_name": record.full_name,
            "nik": "",
            "gender": record.gender,
            "phone": "",
            "email": record.email,
            "regency": record.regency_id or "",
        }
    data["loaded_at"] = record.updated_at.isoformat()
    data.update(changes)
    return {key: str(value) for key, value in data.items()}


def _name_field(page: str) -> str:
    return "full_name" if page == "person" else "name"


# --- Who may -----------------------------------------------------------------------------------

# The insiders open and save (back to the profile); an owner never uses staff pages (403);
# another centre's or province's staff get 404, which does not confirm the record exists.
TABLE = [
    (user, method, page, status)
    for page in PAGES
    for method in ("get", "post")
    for user, status in [
        ("anonymous", 302),
        ("owner_a", 403),
        ("owner_b", 403),
        *[(u, 200 if method == "get" else 302) for u in INSIDERS],
        *[(u, 404) for u in OUTSIDERS],
    ]
]


@pytest.mark.parametrize(("user_name", "method", "page", "status"), TABLE)
def test_who_may_correct_a_record(client, world, user_name, method, page, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    record = _record(world, page)
    before = getattr(record, _name_field(page))
    data = _data(record, **{_name_field(page): "Nama Baru Dikoreksi"})
    if method == "get":
        response = client.get(_url(world, page))
    else:
        response = client.post(_url(world, page), data)
    assert response.status_code == status
    record.refresh_from_db()
    saved = method == "post" and status == 302 and user is not None
    assert getattr(record, _name_field(page)) == ("Nama Baru Dikoreksi" if saved else before)
    if user is None:
        assert response["Location"].startswith(reverse("login"))
    elif saved:
        expected = (
            _profile(world, page) if page != "person" else reverse("cooperatives:enterprise_list")
        )
        assert response["Location"] == expected


@pytest.mark.parametrize("page", PAGES)
def test_an_unknown_record_is_a_404(client, world, page):
    client.force_login(world.national)
    url = reverse(f"cooperatives:{page}_edit", args=[999_999])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


@pytest.mark.parametrize(
    ("user_name", "shown"), [*[(u, True) for u in INSIDERS], ("manager_b", False)]
)
def test_the_profiles_offer_the_edit_actions_to_who_may_use_them(client, world, user_name, shown):
    client.force_login(world.user(user_name))
    enterprise = client.get(_profile(world, "enterprise"))
    cooperative = client.get(_profile(world, "cooperative"))
    if not shown:
        assert enterprise.status_code == cooperative.status_code == 404
        return
    body = enterprise.content.decode()
    assert _url(world, "enterprise") in body
    assert f"{_url(world, 'person')}?next={_profile(world, 'enterprise')}" in unescape(body)
    assert "Ubah data pemilik" in body
    assert _url(world, "cooperative") in cooperative.content.decode()


def test_an_owner_of_another_centre_gets_no_edit_link(client, world):
    """The enterprise is in scope, its owner is another centre's client: not correctable here."""
    enterprise = world.a.enterprise
    enterprise.owner = world.b.person
    enterprise.save()
    client.force_login(world.a.consultant)
    body = client.get(_profile(world, "enterprise")).content.decode()
    assert "Ubah data pemilik" not in body
    assert _url(world, "person", "b") not in body
    assert client.get(_url(world, "person", "b")).status_code == 404


def test_saving_returns_to_the_profile_with_a_message(client, world):
    client.force_login(world.a.consultant)
    response = client.post(
        _url(world, "enterprise"),
        _data(world.a.enterprise, annual_turnover="750000000", business_capital="90000000"),
        follow=True,
    )
    assert response.redirect_chain == [(_profile(world, "enterprise"), 302)]
    body = response.content.decode()
    assert "Perubahan data tersimpan." in body
    assert "Rp 750.000.000" in body
    enterprise = Enterprise.objects.get(pk=world.a.enterprise.pk)
    assert (enterprise.annual_turnover, enterprise.business_capital) == (750_000_000, 90_000_000)


def test_the_person_page_returns_where_it_was_opened_and_never_off_site(client, world):
    client.force_login(world.a.consultant)
    profile = _profile(world, "enterprise")
    data = _data(world.a.person, phone=world.a.person.phone, email="budi@example.id")
    response = client.post(f"{_url(world, 'person')}?next={profile}", data)
    assert response["Location"] == profile
    data = _data(world.a.person, phone=world.a.person.phone, next="https://jahat.example/")
    response = client.post(_url(world, "person"), data)
    assert response["Location"] == reverse("cooperatives:enterprise_list")


def test_nothing_changed_saves_nothing(client, world):
    client.force_login(world.a.consultant)
    before = Enterprise.objects.get(pk=world.a.enterprise.pk).updated_at
    response = client.post(_url(world, "enterprise"), _data(world.a.enterprise), follow=True)
    assert "Tidak ada perubahan" in response.content.decode()
    assert Enterprise.objects.get(pk=world.a.enterprise.pk).updated_at == before


# --- The rules: the registration's own, in Indonesian --------------------------------------------


@pytest.mark.parametrize(
    ("page", "changes", "message"),
    [
        ("enterprise", {"nib": "12345"}, "NIB harus terdiri dari 13 angka."),
        ("enterprise", {"kbli": "107"}, "Kode KBLI harus terdiri dari 5 angka (KBLI 2020)."),
        ("enterprise", {"employees": "-1"}, "lebih besar dari atau sama dengan 0"),
        ("enterprise", {"name": "Budi\u202eittoS"}, "karakter tak terlihat (U+202E)"),
        ("enterprise", {"name": ""}, "Bidang ini harus diisi."),
        (
            "person",
            {"nik": "1871013213850001"},
            "Tanggal lahir dalam NIK (angka ke-7 sampai ke-12) tidak valid.",
        ),
        ("person", {"nik": "18710112"}, "NIK harus terdiri dari 16 angka"),
        ("person", {"phone": "12345"}, "Nomor telepon tidak valid."),
        (
            "person",
            {"nik": WOMANS_NIK, "gender": "L"},
            "Jenis kelamin tidak sesuai dengan NIK (tanggal lahir perempuan +40).",
        ),
        ("person", {"email": "bukan-email"}, "Masukkan alamat email dengan format yang benar."),
        ("cooperative", {"number": "1871"}, "Nomor Induk Koperasi harus terdiri dari 16 angka."),
        ("cooperative", {"last_rat_on": "2100-01-01"}, "Tanggal RAT tidak boleh di masa depan."),
        (
            "cooperative",
            {"legal_entity_date": "1850-01-01"},
            "Tanggal di luar rentang yang dapat diproses (1900–2100).",
        ),
    ],
)
def test_a_wrong_value_is_refused_in_indonesian_and_nothing_is_saved(
    client, world, page, changes, message
):
    record = _record(world, page)
    before = record.updated_at
    client.force_login(world.a.consultant)
    response = client.post(_url(world, page), _data(record, **changes))
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    record.refresh_from_db()
    assert record.updated_at == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("nib", "12345"), ("nib", "12345678901234"), ("nib", "١٢٣٤٥٦٧٨٩٠١٢٣"), ("kbli", "1a794")],
)
def test_registering_and_correcting_refuse_the_same_values_alike(world, field, value):
    """One set of rules: the edit form is the registration's enterprise fields."""
    province = world.a.centre.province_id
    register = EnterpriseRegisterForm(
        {f"new-{field}": value, "new-name": "X", "new-regency": "18.71", "new-employees": "1"},
        province_id=province,
    )
    edit = EnterpriseEditForm(
        _data(world.a.enterprise, **{field: value}),
        enterprise=world.a.enterprise,
        province_id=province,
    )
    assert not register.is_valid() and not edit.is_valid()
    assert register.errors[field] == edit.errors[field]


def test_an_empty_nik_keeps_the_one_on_record_and_a_new_one_is_saved(client, world):
    person = world.a.person
    nik = person.nik
    client.force_login(world.a.consultant)
    client.post(_url(world, "person"), _data(person, phone=person.phone, full_name="Budi S."))
    person.refresh_from_db()
    assert (person.full_name, person.nik) == ("Budi S.", nik)
    client.post(_url(world, "person"), _data(person, phone=person.phone, nik=f" {NEW_NIK} "))
    person.refresh_from_db()
    assert person.nik == NEW_NIK


def test_a_phone_is_stored_in_e164_and_may_be_cleared_by_the_centres_staff(client, world):
    person = world.a.person
    client.force_login(world.a.consultant)
    client.post(_url(world, "person"), _data(person, phone="0813-5555-1212"))
    person.refresh_from_db()
    assert person.phone == "+6281355551212"
    client.post(_url(world, "person"), _data(person, phone=""))
    person.refresh_from_db()
    assert person.phone == ""


def test_an_officer_who_is_not_shown_the_phone_keeps_it_by_leaving_it_empty(client, world):
    person = world.a.person
    phone = person.phone
    client.force_login(world.a.officer)
    client.post(_url(world, "person"), _data(person, email="baru@example.id"))
    person.refresh_from_db()
    assert (person.email, person.phone) == ("baru@example.id", phone)
    client.post(_url(world, "person"), _data(person, phone="0813 5555 1212"))
    person.refresh_from_db()
    assert person.phone == "+6281355551212"


# --- Identifiers another record holds -----------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "field", "message"),
    [
        ("enterprise", "nib", "NIB ini sudah terdaftar untuk usaha lain."),
        ("cooperative", "number", "Nomor Induk Koperasi ini sudah terdaftar."),
        ("person", "nik", "NIK ini sudah terdaftar untuk orang lain."),
    ],
)
def test_an_identifier_of_another_centres_record_is_refused_without_telling_whose(
    client, world, page, field, message
):
    mine, theirs = _record(world, page, "a"), _record(world, page, "b")
    before = getattr(mine, field)
    client.force_login(world.a.manager)
    response = client.post(_url(world, page), _data(mine, **{field: getattr(theirs, field)}))
    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert message in body
    mine.refresh_from_db()
    assert getattr(mine, field) == before
    # Nothing of the record holding it: its name, owner, centre, address or a link to it.
    for told in [
        world.b.enterprise.name,
        world.b.cooperative.name,
        world.b.person.full_name,
        world.b.centre.name,
        f"/staff/enterprises/{world.b.enterprise.pk}/",
        f"/staff/cooperatives/{world.b.cooperative.pk}/",
        "dalam cakupan Anda",
    ]:
        assert told not in body


@pytest.mark.parametrize(
    ("user_name", "links"),
    [
        ("consultant_a", ["profile"]),
        ("manager_a", ["profile", "merge"]),
        ("national", ["profile", "merge"]),
    ],
)
def test_staff_who_see_the_holder_of_a_nib_are_pointed_to_it_and_the_merge(
    client, world, user_name, links
):
    twin = EnterpriseFactory(centre=world.a.centre)
    client.force_login(world.user(user_name))
    response = client.post(_url(world, "enterprise"), _data(world.a.enterprise, nib=twin.nib))
    body = unescape(response.content.decode())
    assert "NIB ini sudah terdaftar untuk usaha lain." in body
    profile = reverse("mentoring:enterprise_profile", args=[twin.pk])
    merge = reverse("mentoring:enterprise_merge", args=[world.a.enterprise.pk])
    assert (f'href="{profile}"' in body) == ("profile" in links)
    assert (f'href="{merge}?remove={twin.pk}"' in body) == ("merge" in links)


def test_a_national_user_is_pointed_to_the_holder_of_a_nik_and_a_number(client, world):
    client.force_login(world.national)
    body = unescape(
        client.post(
            _url(world, "person"), _data(world.a.person, nik=world.b.person.nik)
        ).content.decode()
    )
    assert reverse("mentoring:enterprise_profile", args=[world.b.enterprise.pk]) in body
    body = unescape(
        client.post(
            _url(world, "cooperative"),
            _data(world.a.cooperative, number=world.b.cooperative.number),
        ).content.decode()
    )
    assert reverse("mentoring:cooperative_profile", args=[world.b.cooperative.pk]) in body


def test_a_record_keeps_its_own_identifier(client, world):
    client.force_login(world.a.consultant)
    data = _data(world.a.enterprise, name="Keripik Pisang Jaya")
    assert client.post(_url(world, "enterprise"), data).status_code == 302
    data = _data(world.a.person, nik=world.a.person.nik, phone=world.a.person.phone)
    assert client.post(_url(world, "person"), data).status_code == 302


# --- Two staff at once ------------------------------------------------------------------------


STALE = "Data ini baru saja diubah oleh staf lain"
# The factories' values, which the consultant's page showed before the manager saved.
BEFORE = {"annual_turnover": 500_000_000, "members": 100, "email": ""}


def _loaded_at(body: str) -> str:
    return unescape(re.search(r'name="loaded_at" value="([^"]+)"', body).group(1))


@pytest.mark.parametrize(
    ("page", "first", "second", "meanwhile"),
    [
        ("enterprise", {"annual_turnover": "900000000"}, {"name": "Keripik Konsultan"}, "Omzet"),
        ("cooperative", {"members": "12345"}, {"name": "Koperasi Konsultan"}, "Jumlah anggota"),
        ("person", {"email": "manajer@example.id"}, {"full_name": "Nama Konsultan"}, "Email"),
    ],
)
def test_a_second_save_of_the_same_version_is_refused_and_keeps_the_input(
    client, world, page, first, second, meanwhile
):
    record = _record(world, page)
    keep_phone = {"phone": world.a.person.phone} if page == "person" else {}
    # The consultant opens the page...
    client.force_login(world.a.consultant)
    loaded = _loaded_at(client.get(_url(world, page)).content.decode())
    # ...the manager saves a correction meanwhile...
    client.force_login(world.a.manager)
    saved = client.post(_url(world, page), _data(record, **keep_phone, **first))
    assert saved.status_code == 302
    # ...and the consultant's save, made on what they loaded, is refused.
    client.force_login(world.a.consultant)
    data = _data(record, **keep_phone, **second)
    data["loaded_at"] = loaded
    for name in first:  # the consultant's form still holds the values from before
        data[name] = str(BEFORE[name])
    response = client.post(_url(world, page), data)
    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert STALE in body
    record.refresh_from_db()
    name_field = _name_field(page)
    assert getattr(record, name_field) != second[name_field]
    assert str(getattr(record, next(iter(first)))) == next(iter(first.values()))
    # Their input is still in the form, and what changed meanwhile is shown.
    assert f'value="{second[name_field]}"' in body
    assert meanwhile in body
    if page == "enterprise":
        assert "Rp 900.000.000" in body
    if page == "cooperative":
        assert "12.345" in body  # grouped as the reader reads counts
    # Saving again is deliberate: the page now carries the newer version.
    assert _loaded_at(body) != loaded
    data["loaded_at"] = _loaded_at(body)
    assert client.post(_url(world, page), data).status_code == 302
    record.refresh_from_db()
    assert getattr(record, name_field) == second[name_field]


def test_the_service_refuses_a_version_older_than_the_record(world):
    enterprise = world.a.enterprise
    old = enterprise.updated_at - datetime.timedelta(microseconds=1)
    with pytest.raises(RecordChanged) as refused:
        enterprise_correct(enterprise=enterprise, loaded_at=old, values={"name": "Lain"})
    assert refused.value.current.pk == enterprise.pk
    enterprise.refresh_from_db()
    assert enterprise.name != "Lain"


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_one_wins_the_other_is_refused(world, monkeypatch):
    """The worst interleaving, made certain: the first save has checked the version and holds
    its transaction open while the second starts. The row lock makes the second wait, see the
    new version and refuse; without it, on PostgreSQL, both would be saved, the second
    silently overwriting the first."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises whole transactions; CI runs this race on PostgreSQL")
    enterprise = Enterprise.objects.get(pk=world.a.enterprise.pk)
    loaded = enterprise.updated_at
    checked, go = threading.Event(), threading.Event()
    real = Enterprise.full_clean

    def full_clean(self, *args, **kwargs):
        if threading.current_thread().name == "first":
            checked.set()
            go.wait(10)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Enterprise, "full_clean", full_clean)
    outcomes: dict[str, str] = {}

    def save(name: str, values: dict) -> None:
        try:
            enterprise_correct(enterprise=enterprise, loaded_at=loaded, values=values)
            outcomes[name] = "saved"
        except RecordChanged:
            outcomes[name] = "refused"
        finally:
            connections.close_all()

    first = threading.Thread(target=save, name="first", args=("first", {"name": "Pertama"}))
    second = threading.Thread(
        target=save, name="second", args=("second", {"annual_turnover": 1_000})
    )
    first.start()
    assert checked.wait(10)
    second.start()
    second.join(1)  # without a lock it would finish here
    go.set()
    first.join(10)
    second.join(10)
    assert outcomes == {"first": "saved", "second": "refused"}
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.annual_turnover) == ("Pertama", 500_000_000)


# --- The audit trail ----------------------------------------------------------------------------


def test_a_correction_is_in_the_audit_trail_with_nik_and_phone_masked(client, world):
    person = world.a.person
    old_nik, old_phone = person.nik, person.phone
    client.force_login(world.a.consultant)
    client.post(
        _url(world, "person"), _data(person, nik=NEW_NIK, phone="0813-5555-1212", email="b@x.id")
    )
    entry = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == world.a.consultant
    assert set(entry.changes_dict) >= {"nik", "phone", "email"}
    trail = entry.changes if isinstance(entry.changes, str) else str(entry.changes)
    for secret in [old_nik, NEW_NIK, old_phone, "+6281355551212"]:
        assert secret not in trail
    # The pages' own masks: region code and last two digits of a NIK, never the birth date.
    assert entry.changes_dict["nik"][1] == NEW_NIK[:6] + "*" * 8 + NEW_NIK[-2:]
    assert entry.changes_dict["phone"][1] == phone_mask("+6281355551212")
    assert entry.changes_dict["email"] == ["", "b@x.id"]


def test_the_profile_shows_the_correction_in_its_history(client, world):
    client.force_login(world.a.consultant)
    old = world.a.enterprise.name
    client.post(_url(world, "enterprise"), _data(world.a.enterprise, name="Keripik Jaya"))
    body = client.get(_profile(world, "enterprise")).content.decode()
    assert f"{old} → Keripik Jaya" in body
    assert "consultant_a" in body or world.a.consultant.get_full_name() in body


# --- What the pages show of a NIK, and cost ---------------------------------------------------


@pytest.mark.parametrize("user_name", INSIDERS)
def test_the_full_nik_is_never_in_the_page(client, world, user_name):
    person = world.a.person
    client.force_login(world.user(user_name))
    for page in ("person", "enterprise"):
        body = client.get(f"{_url(world, page)}").content.decode()
        assert person.nik not in body
    body = client.get(_url(world, "person")).content.decode()
    assert person.nik[:6] + "********" + person.nik[-2:] in body
    # A refused save does not bring it back either.
    body = client.post(_url(world, "person"), _data(person, email="salah")).content.decode()
    assert person.nik not in body


@pytest.mark.parametrize(
    ("user_name", "full_phone"),
    [("consultant_a", True), ("manager_a", True), ("officer_a", False), ("national", False)],
)
def test_the_full_phone_is_only_in_the_page_for_the_serving_centres_staff(
    client, world, user_name, full_phone
):
    phone = world.a.person.phone
    client.force_login(world.user(user_name))
    body = client.get(_url(world, "person")).content.decode()
    assert (phone in body) == full_phone
    assert (phone[3:] in body) == full_phone
    if not full_phone:
        assert phone_mask(phone) in body


# session + user (+ membership for centre staff), the record, the regencies offered.
@pytest.mark.parametrize(
    ("user_name", "page", "queries"),
    [
        ("consultant_a", "enterprise", 5),
        ("consultant_a", "cooperative", 5),
        ("consultant_a", "person", 5),
        ("officer_a", "enterprise", 4),
        ("officer_a", "person", 4),
        ("national", "cooperative", 4),
    ],
)
@pytest.mark.parametrize("extra_rows", [0, 30])
def test_an_edit_page_costs_the_same_few_queries(
    client, world, django_assert_num_queries, user_name, page, queries, extra_rows
):
    for _ in range(extra_rows):
        EnterpriseFactory(centre=world.a.centre)
    client.force_login(world.user(user_name))
    url = _url(world, page)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_a_person_without_a_regency_is_offered_every_regency_and_edits(client, world):
    person = world.a.person
    Person.objects.filter(pk=person.pk).update(regency=None)
    client.force_login(world.a.consultant)
    assert client.get(_url(world, "person")).status_code == 200
    response = client.post(
        _url(world, "person"), _data(person, phone=person.phone, regency="73.71")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.regency_id == "73.71"


def test_the_person_form_is_never_given_the_full_nik(world):
    form = PersonEditForm(person=world.a.person, province_id="18", phone_shown=True)
    assert world.a.person.nik not in str(form)
