"""Returning owners: signing up, proving their email (which links their earlier bookings),
signing in with a one-time email link, the limits on attempts, and the owner's own page."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Person
from cooperatives.services.records import person_link_by_verified_email
from mentoring.selectors.bookings import manage_token
from plut.foundation.accounts.consent import CURRENT_CONSENT_VERSION, consent_current
from plut.foundation.accounts.models import Role, User
from plut.foundation.accounts.tokens import email_verification_token
from tests.factories.accounts import UserFactory
from tests.factories.cooperatives import EnterpriseFactory, PersonFactory
from tests.factories.mentoring import (
    BookingFactory,
    FollowUpFactory,
    OutcomeFactory,
    SessionFactory,
)

PASSWORD = "padi-sawah-lampung-71"
EMAIL = "budi@contoh.id"
ADVICE = "Pisahkan rekening usaha dan rekening pribadi."
# 10:00 UTC: a 15-minute and an hourly rate-limit window both start exactly now.
WINDOW_START = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(WINDOW_START, tick=False) as traveller:
        yield traveller


def _signup(client, **changes):
    data = {
        "name": "Budi Santoso",
        "email": EMAIL,
        "phone": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(changes)
    return client.post(
        reverse("accounts:owner_signup"), {k: v for k, v in data.items() if v is not None}
    )


def _signed_up(client, **changes):
    """Sign up, then sign in with the new account, as the owner does from the sent page."""
    response = _signup(client, **changes)
    assert response["Location"] == reverse("accounts:owner_signup_sent")
    email = changes.get("email", EMAIL).lower()
    assert client.login(username=email, password=changes.get("password1", PASSWORD))
    return response


def _link(mail, prefix: str) -> str:
    """The path of the first link in a mail that starts with ``prefix``."""
    match = re.search(re.escape(settings.SITE_URL) + r"(" + re.escape(prefix) + r"\S+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def _verification_link(mail) -> str:
    return _link(mail, "/accounts/verifikasi/")


def _magic_link(mail) -> str:
    return _link(mail, "/accounts/tautan-masuk/")


def _earlier_client(world, email: str = EMAIL, **person):
    """An owner who booked before having an account: a Person with their email, a booking
    and a past session with advice."""
    enterprise = EnterpriseFactory(
        centre=world.a.centre, name="Kopi Robusta Tanggamus", owner__email=email, **person
    )
    booking = BookingFactory(enterprise=enterprise, contact_email=email)
    session = SessionFactory(
        consultant=world.a.consultant,
        enterprises=[enterprise],
        topic="Pembukuan sederhana",
        advice=ADVICE,
    )
    return enterprise, booking, session


def _verified_owner(email: str = EMAIL, **changes) -> User:
    fields = {
        "username": email,
        "email": email,
        "role": Role.OWNER,
        "email_verified_at": datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
    }
    return UserFactory(**(fields | changes))


# --- Sign-up ----------------------------------------------------------------------------------


def test_signup_creates_an_unverified_owner_with_the_consent_version(client, db, mailoutbox):
    response = _signup(client, email="Budi@Contoh.ID", phone="0812-3456-7890")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:owner_signup_sent")
    user = User.objects.get()
    assert user.username == user.email == "budi@contoh.id"
    assert user.role == Role.OWNER
    assert user.is_active
    assert user.email_verified_at is None
    assert user.consent == consent_current()
    assert user.consent.version == CURRENT_CONSENT_VERSION
    assert user.consent_at is not None
    assert user.check_password(PASSWORD)
    # Not signed in (an address already registered gets the same answer,
    # tests/security/test_account_abuse.py), and told to open the link sent to the address.
    assert "_auth_user_id" not in client.session
    assert "budi@contoh.id" in client.get(response["Location"]).content.decode()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["budi@contoh.id"]
    assert mailoutbox[0].subject == "Verifikasi email akun Portal PLUT KUMKM"
    assert _verification_link(mailoutbox[0])


def test_signup_page_shows_labelled_fields_and_the_consent_text(client, db):
    page = client.get(reverse("accounts:owner_signup")).content.decode()
    for field, label in [
        ("name", "Nama Anda"),
        ("email", "Alamat email"),
        ("phone", "Nomor WhatsApp / telepon (boleh dikosongkan)"),
        ("password1", "Kata sandi"),
        ("password2", "Ulangi kata sandi"),
    ]:
        assert f'<label for="id_{field}">{label}</label>' in page
    assert consent_current().body.splitlines()[0] in page
    assert f"Versi {CURRENT_CONSENT_VERSION}" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password2": "padi-sawah-lampung-72"}, "Kedua kata sandi tidak cocok"),
        ({"password1": "12345678", "password2": "12345678"}, "terlalu umum"),
        ({"consent": None}, "Centang persetujuan ini"),
        ({"phone": "12"}, "Nomor telepon tidak valid"),
    ],
    ids=["password-mismatch", "weak-password", "no-consent", "bad-phone"],
)
def test_an_invalid_signup_saves_nothing(client, db, mailoutbox, changes, message):
    existing = UserFactory(username="ani", email="ani@contoh.id")
    response = _signup(client, **changes)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'role="alert"[^>]*>[^<]*' + re.escape(message), page), page
    assert list(User.objects.all()) == [existing]
    assert mailoutbox == []
    assert "_auth_user_id" not in client.session


def test_an_email_taken_as_a_username_counts_as_taken(client, db):
    UserFactory(username="budi@contoh.id", email="")
    response = _signup(client)
    assert response["Location"] == reverse("accounts:owner_signup_sent")
    assert User.objects.count() == 1


def test_a_signed_in_user_is_sent_home_from_the_signup_page(client, world):
    client.force_login(world.a.owner)
    response = client.get(reverse("accounts:owner_signup"))
    assert response["Location"] == reverse("accounts:landing")


# --- Verifying the email links earlier records -----------------------------------------------


def test_verifying_links_the_earlier_bookings_and_advice(client, world, mailoutbox):
    enterprise, booking, session = _earlier_client(world, email="Budi@Contoh.id")
    _signed_up(client)
    user = User.objects.get(username=EMAIL)
    # Before verification the account shows nothing of the earlier client.
    assert enterprise.name not in client.get(reverse("owner:home")).content.decode()

    link = _verification_link(mailoutbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "Ya, ini email saya" in page.content.decode()
    assert Person.objects.get(pk=enterprise.owner_id).user is None  # GET changes nothing

    response = client.post(link)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert Person.objects.get(pk=enterprise.owner_id).user == user

    with time_machine.travel(timezone.now(), tick=False):  # the token is signed with the time
        body = client.get(reverse("owner:home")).content.decode()
        manage = reverse("booking:manage", args=[manage_token(booking)])
    assert enterprise.name in body
    assert ADVICE in body
    assert session.topic in body
    assert manage in body


def test_verification_never_takes_a_person_linked_to_another_owner(client, world, mailoutbox):
    world.b.person.email = EMAIL
    world.b.person.save()
    _signed_up(client)
    client.post(_verification_link(mailoutbox[0]))
    world.b.person.refresh_from_db()
    assert world.b.person.user == world.b.owner
    body = client.get(reverse("owner:home")).content.decode()
    assert world.b.enterprise.name not in body


def test_verification_never_links_by_phone_alone(client, world, mailoutbox):
    enterprise, _booking, _session = _earlier_client(
        world, email="lain@contoh.id", owner__phone="+6281234567890"
    )
    _signed_up(client, phone="0812-3456-7890")
    client.post(_verification_link(mailoutbox[0]))
    assert Person.objects.get(pk=enterprise.owner_id).user is None
    assert enterprise.name not in client.get(reverse("owner:home")).content.decode()


def test_a_person_with_the_phone_and_the_verified_email_is_linked(client, world, mailoutbox):
    enterprise, _booking, _session = _earlier_client(world, owner__phone="+6281234567890")
    _signed_up(client, phone="0812-3456-7890")
    client.post(_verification_link(mailoutbox[0]))
    assert Person.objects.get(pk=enterprise.owner_id).user.username == EMAIL


def test_with_several_matches_the_oldest_person_is_linked(world):
    # Person.user is one-to-one: an account holds one Person; the others await a merge.
    older = PersonFactory(email=EMAIL)
    newer = PersonFactory(email=EMAIL.upper())
    user = _verified_owner()
    assert person_link_by_verified_email(user=user, email=EMAIL) == 1
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.user, newer.user) == (user, None)
    # An account that already holds a Person takes no other.
    assert person_link_by_verified_email(user=user, email=EMAIL) == 0


def test_a_record_an_anonymous_booking_made_with_the_email_is_never_linked(world):
    # Anyone may type someone else's email into the public booking form: the record it made
    # proves nothing, so verifying the address links only what staff registered.
    typed_by_a_stranger = PersonFactory(email=EMAIL, from_public_booking=True)
    registered_by_staff = PersonFactory(email=EMAIL)
    user = _verified_owner()
    assert person_link_by_verified_email(user=user, email=EMAIL) == 1
    typed_by_a_stranger.refresh_from_db()
    registered_by_staff.refresh_from_db()
    assert (typed_by_a_stranger.user, registered_by_staff.user) == (None, user)


def test_a_forged_verification_link_is_refused(client, world, mailoutbox):
    _signup(client)
    link = _verification_link(mailoutbox[0])
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    for method in (client.get, client.post):
        response = method(forged)
        assert response.status_code == 400
        assert "tidak dikenali" in response.content.decode()
    assert User.objects.get(username=EMAIL).email_verified_at is None


def test_a_link_signed_for_another_account_is_refused(client, world, mailoutbox):
    _earlier_client(world)
    _signed_up(client)
    # Signed by us, but for owner_b: the signed-in account is not the one it names.
    token = email_verification_token(user_pk=world.b.owner.pk, email=EMAIL)
    response = client.post(reverse("accounts:verify_email", args=[token]))
    assert response.status_code == 403
    assert not Person.objects.filter(email=EMAIL, user__isnull=False).exists()


def test_an_expired_verification_link_is_refused(client, world, mailoutbox):
    enterprise, _booking, _session = _earlier_client(world)
    _signup(client)
    link = _verification_link(mailoutbox[0])
    with time_machine.travel(datetime.timedelta(days=3, minutes=1)):
        response = client.post(link)
    assert response.status_code == 400
    assert "kedaluwarsa" in response.content.decode()
    assert Person.objects.get(pk=enterprise.owner_id).user is None


def test_the_verification_link_needs_the_account_that_signed_up(client, world, mailoutbox):
    # Whoever opens an account with someone else's address must not get that person's records
    # by having them click the link: the link works only when signed in as the account.
    enterprise, _booking, _session = _earlier_client(world)
    _signed_up(client)
    link = _verification_link(mailoutbox[0])
    client.logout()
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(world.a.owner)
    assert client.post(link).status_code == 403
    assert Person.objects.get(pk=enterprise.owner_id).user is None
    assert User.objects.get(username=EMAIL).email_verified_at is None


def test_a_link_for_an_address_since_changed_is_refused(client, world, mailoutbox):
    _signed_up(client)
    user = User.objects.get(username=EMAIL)
    user.email = "baru@contoh.id"
    user.save()
    assert client.post(_verification_link(mailoutbox[0])).status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_the_owner_page_offers_to_send_the_verification_again(client, world, mailoutbox):
    _signed_up(client)
    body = client.get(reverse("owner:home")).content.decode()
    assert "belum diverifikasi" in body
    assert f'action="{reverse("accounts:verify_email_resend")}"' in body
    response = client.post(reverse("accounts:verify_email_resend"))
    assert response["Location"] == reverse("owner:home")
    assert len(mailoutbox) == 2
    client.post(_verification_link(mailoutbox[1]))
    assert "belum diverifikasi" not in client.get(reverse("owner:home")).content.decode()


# --- One-time sign-in link --------------------------------------------------------------------


def _main(response) -> str:
    """The page's main content, without the per-response CSRF tokens."""
    body = response.content.decode()
    return re.search(r"<main.*</main>", body, re.S).group(0)


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, db, mailoutbox):
    owner = _verified_owner()
    known = client.post(reverse("accounts:magic_link_request"), {"email": EMAIL})
    unknown = client.post(reverse("accounts:magic_link_request"), {"email": "siapa@contoh.id"})
    assert known.status_code == unknown.status_code == 200
    assert _main(known).replace(EMAIL, "@") == _main(unknown).replace("siapa@contoh.id", "@")
    assert "Periksa email Anda" in _main(known)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [owner.email]
    assert mailoutbox[0].subject == "Tautan masuk ke Portal PLUT KUMKM"


@pytest.mark.parametrize(
    "fields",
    [
        {"email_verified_at": None},
        {"is_active": False},
        {"role": Role.CONSULTANT},
    ],
    ids=["unverified", "inactive", "staff"],
)
def test_no_link_is_sent_to_an_unverified_inactive_or_staff_account(client, db, mailoutbox, fields):
    _verified_owner(**fields)
    response = client.post(reverse("accounts:magic_link_request"), {"email": EMAIL})
    assert response.status_code == 200
    assert "Periksa email Anda" in response.content.decode()
    assert mailoutbox == []


def test_opening_the_link_does_not_sign_in(client, db, mailoutbox):
    _verified_owner()
    client.post(reverse("accounts:magic_link_request"), {"email": EMAIL})
    response = client.get(_magic_link(mailoutbox[0]))
    assert response.status_code == 200
    assert "Masuk sekarang" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_button_signs_in_once(client, db, mailoutbox):
    owner = _verified_owner()
    client.post(reverse("accounts:magic_link_request"), {"email": EMAIL})
    link = _magic_link(mailoutbox[0])
    response = client.post(link)
    assert response["Location"] == reverse("owner:home")
    assert client.session["_auth_user_id"] == str(owner.pk)
    client.logout()
    for method in (client.get, client.post):
        again = method(link)
        assert again.status_code == 400
        assert "sudah dipakai" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_link_expires_after_fifteen_minutes(client, db, mailoutbox, frozen):
    _verified_owner()
    client.post(reverse("accounts:magic_link_request"), {"email": EMAIL})
    link = _magic_link(mailoutbox[0])
    frozen.shift(datetime.timedelta(minutes=14))
    assert client.get(link).status_code == 200
    frozen.shift(datetime.timedelta(minutes=2))
    assert client.get(link).status_code == 400
    assert client.post(link).status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_damaged_link_is_refused(client, db):
    owner = _verified_owner()
    for uid, token in [("xx", "abc-def"), ("MQ", "nonsense"), (str(owner.pk), "1-2")]:
        url = reverse("accounts:magic_link_login", args=[uid, token])
        assert client.post(url).status_code == 400


def test_signing_in_by_link_links_records_made_since(client, world, mailoutbox):
    # A verified owner without records yet; a booking made later left a Person with the email.
    owner = _verified_owner()
    enterprise, _booking, _session = _earlier_client(world)
    client.post(reverse("accounts:magic_link_request"), {"email": EMAIL})
    client.post(_magic_link(mailoutbox[0]))
    assert Person.objects.get(pk=enterprise.owner_id).user == owner
    assert ADVICE in client.get(reverse("owner:home")).content.decode()


def test_the_login_page_links_to_the_email_link_and_to_signup(client, db):
    page = client.get(reverse("login")).content.decode()
    link = f'<a href="{reverse("accounts:magic_link_request")}">Masuk dengan tautan email</a>'
    assert link in page
    assert f'<a href="{reverse("accounts:owner_signup")}">Belum punya akun? Daftar</a>' in page


# --- Rate limits -------------------------------------------------------------------------------


# Login attempts are limited by django-axes: tests/security/test_lockout.py.


def test_link_requests_per_email_are_limited(client, db, mailoutbox, frozen):
    _verified_owner()
    for _ in range(3):
        assert (
            client.post(reverse("accounts:magic_link_request"), {"email": EMAIL}).status_code == 200
        )
    response = client.post(reverse("accounts:magic_link_request"), {"email": EMAIL.upper()})
    assert response.status_code == 429
    assert len(mailoutbox) == 3


def test_link_requests_per_address_are_limited(client, db, frozen):
    for n in range(10):
        response = client.post(reverse("accounts:magic_link_request"), {"email": f"o{n}@contoh.id"})
        assert response.status_code == 200
    response = client.post(reverse("accounts:magic_link_request"), {"email": "baru@contoh.id"})
    assert response.status_code == 429


def test_signups_per_address_are_limited(client, db, mailoutbox, frozen):
    for n in range(10):
        assert _signup(client, consent=None, email=f"o{n}@contoh.id").status_code == 200
    response = _signup(client)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.content.decode()
    assert not User.objects.exists()


def test_sending_the_verification_again_is_limited(client, db, mailoutbox, frozen):
    user = UserFactory(email=EMAIL, role=Role.OWNER)
    client.force_login(user)
    for _ in range(3):
        assert client.post(reverse("accounts:verify_email_resend")).status_code == 302
    assert client.post(reverse("accounts:verify_email_resend")).status_code == 429
    assert len(mailoutbox) == 3


def test_the_limits_come_from_settings(client, db, settings, frozen):
    settings.RATELIMIT_SIGNUP_PER_IP = 1
    assert _signup(client, consent=None).status_code == 200
    assert _signup(client, consent=None).status_code == 429


# --- The owner's page --------------------------------------------------------------------------


def test_the_owner_page_shows_their_own_records_only(client, world):
    a, b = world.a, world.b
    a.session.advice = ADVICE
    a.session.save()
    b.session.advice = "Saran untuk pemilik lain."
    b.session.save()
    a.outcome.financing_amount = 25_000_000
    a.outcome.financing_source = "kur"
    a.outcome.obtained_halal = True
    a.outcome.save()
    client.force_login(a.owner)
    # The manage link is signed with the time: the page and the test must sign in one second.
    with time_machine.travel(timezone.now(), tick=False):
        body = client.get(reverse("owner:home")).content.decode()
        manage, other = manage_token(a.booking), manage_token(b.booking)

    assert a.enterprise.name in body
    assert reverse("booking:manage", args=[manage]) in body
    assert a.session.topic in body
    assert ADVICE in body
    assert "WIB" in body  # Lampung's clock
    assert a.consultant.first_name in body
    assert a.consultant.get_full_name() not in body
    assert a.follow_up.action in body
    assert "Rp 600.000.000" in body  # turnover
    assert "Rp 25.000.000" in body
    assert "Halal" in body

    for secret in [
        b.enterprise.name,
        "Saran untuk pemilik lain.",
        other,
        b.centre.name,
    ]:
        assert secret not in body


def test_a_verified_owner_sees_no_banner(client, world):
    owner = _verified_owner()
    client.force_login(owner)
    assert "belum diverifikasi" not in client.get(reverse("owner:home")).content.decode()


def test_past_and_closed_items_leave_the_coming_lists(client, world):
    a = world.a
    a.booking.status = "cancelled"
    a.booking.save()
    a.follow_up.done_at = a.follow_up.created_at
    a.follow_up.save()
    client.force_login(a.owner)
    with time_machine.travel(timezone.now(), tick=False):  # the token is signed with the time
        body = client.get(reverse("owner:home")).content.decode()
        assert manage_token(a.booking) not in body
    assert a.follow_up.action not in body


def _grow(world, n: int) -> None:
    """Add n of everything the owner page lists to side a (owner_a)."""
    for _ in range(n):
        session = SessionFactory(
            consultant=world.a.consultant, enterprises=[world.a.enterprise], advice=ADVICE
        )
        FollowUpFactory(session=session)
        BookingFactory(enterprise=world.a.enterprise)
        OutcomeFactory(enterprise=world.a.enterprise)


# session + user, then bookings, sessions, their centres (kept by each process: no query
# there), enterprises, cooperatives, follow-ups, outcomes.
OWNER_PAGE_QUERIES = 9


@pytest.mark.parametrize("rows", [1, 20])
def test_the_owner_page_query_count_does_not_grow(client, world, django_assert_num_queries, rows):
    _grow(world, rows - 1)  # the world already holds one of each
    client.force_login(world.a.owner)
    with django_assert_num_queries(OWNER_PAGE_QUERIES):
        response = client.get(reverse("owner:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="card session"') == rows
    assert body.count('class="card booking"') == rows
    assert body.count('class="follow-up"') == rows
    assert body.count('class="card outcome"') == rows


def test_the_booking_confirmation_invites_to_make_an_account(client, world):
    token = manage_token(world.a.booking)
    body = client.get(reverse("booking:done", args=[token])).content.decode()
    link = reverse("accounts:owner_signup")
    assert f'<a href="{link}">Buat akun untuk melihat semua pemesanan Anda</a>' in body
