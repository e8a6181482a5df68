"""Account pages an outsider can abuse: password-reset floods, reset links pointed at another
host, sign-up telling who is registered, and names that hide or reorder their text."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from cooperatives.models import Person
from mentoring.forms.booking import BookingDetailsForm
from plut.foundation.accounts.models import ConsentText, Role, User
from tests.factories.accounts import UserFactory
from tests.factories.cooperatives import EnterpriseFactory, PersonFactory

PASSWORD = "padi-sawah-lampung-71"
# 10:00 UTC: an hourly rate-limit window starts exactly now.
START = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
THROTTLED = "Permintaan kata sandi baru sudah terlalu sering"


@pytest.fixture
def owner(world):
    world.a.owner.email = "pemilik@contoh.id"
    world.a.owner.save()
    return world.a.owner


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    with time_machine.travel(START, tick=False):
        yield
    cache.clear()


# --- Password reset ---------------------------------------------------------------------------


def _reset(client, email: str, ip: str = "10.0.0.1", **extra):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip, **extra)


def test_password_resets_are_throttled_per_email(client, owner, mailoutbox):
    for _ in range(3):  # RATELIMIT_PASSWORD_RESET_PER_EMAIL
        assert _reset(client, owner.email).status_code == 302
    # From another address too: the mailbox is what is protected.
    response = _reset(client, owner.email.upper(), ip="10.0.0.9")
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert response["Retry-After"] == "3600"
    assert len(mailoutbox) == 3
    # An address nobody has is counted the same, so the limit tells nothing.
    for _ in range(3):
        assert _reset(client, "siapa@contoh.id", ip="10.0.0.2").status_code == 302
    assert _reset(client, "siapa@contoh.id", ip="10.0.0.2").status_code == 429


def test_password_resets_are_throttled_per_address(client, owner, mailoutbox):
    for n in range(10):  # RATELIMIT_PASSWORD_RESET_PER_IP
        assert _reset(client, f"orang{n}@contoh.id").status_code == 302
    response = _reset(client, owner.email)
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert mailoutbox == []
    assert _reset(client, owner.email, ip="10.0.0.2").status_code == 302
    assert len(mailoutbox) == 1


def test_the_reset_link_uses_site_url_even_with_a_forged_host(client, owner, mailoutbox, settings):
    settings.ALLOWED_HOSTS = ["testserver", "penyerang.example"]
    settings.SITE_URL = "https://plut.example.id"
    response = _reset(client, owner.email, HTTP_HOST="penyerang.example")
    assert response.status_code == 302
    (mail,) = mailoutbox
    assert re.search(r"https://plut\.example\.id/accounts/reset/\S+/", mail.body), mail.body
    assert "(plut.example.id)" in mail.body
    assert "penyerang" not in mail.body


# --- Sign-up ----------------------------------------------------------------------------------


def _signup(client, email: str, **changes):
    data = {
        "name": "Budi Santoso",
        "email": email,
        "phone": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    return client.post(reverse("accounts:owner_signup"), data | changes)


def _answer(client, response, email: str) -> tuple:
    """What the sign-up shows: status, where it leads, that page (without the email typed)."""
    page = client.get(response["Location"]).content.decode()
    # The CSRF token is masked afresh for every response.
    page = re.sub(r'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]+"', "", page)
    page = page.replace(email, "EMAIL")
    return response.status_code, response["Location"], page, "_auth_user_id" in client.session


def test_signing_up_with_a_registered_email_answers_as_a_new_one(client, owner, mailoutbox):
    taken = owner
    password_before = taken.password

    new = _answer(client, _signup(client, "baru@contoh.id"), "baru@contoh.id")
    client.cookies.clear()
    again = _answer(client, _signup(client, taken.email.upper()), taken.email)
    assert new == again
    assert new[1] == reverse("accounts:owner_signup_sent")

    # No account was made or changed; the owner of the address is told.
    assert User.objects.filter(email__iexact=taken.email).count() == 1
    taken.refresh_from_db()
    assert taken.password == password_before
    verification, notice = mailoutbox
    assert verification.to == ["baru@contoh.id"]
    assert notice.to == [taken.email]
    assert notice.subject == "Ada yang mencoba mendaftar dengan email Anda di Portal PLUT KUMKM"
    assert "tidak ada akun baru yang dibuat" in notice.body
    assert "/accounts/password_reset/" in notice.body


def test_signups_per_email_are_limited_whether_registered_or_not(client, owner, mailoutbox):
    for email in (owner.email, "baru@contoh.id"):
        for n in range(3):  # RATELIMIT_SIGNUP_PER_EMAIL
            response = _signup(client, email, REMOTE_ADDR=f"10.5.0.{n}")
            assert response.status_code == 302
        assert _signup(client, email, REMOTE_ADDR="10.5.1.1").status_code == 429


# --- Names ------------------------------------------------------------------------------------

HIDDEN = [
    *map(chr, range(0x202A, 0x202F)),  # embeddings and overrides
    *map(chr, range(0x2066, 0x206A)),  # isolates
    *map(chr, range(0x200B, 0x2010)),  # zero-width characters, LTR/RTL marks
    "\ufeff",
    "\u2060",
]


@pytest.mark.parametrize("char", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_a_sign_up_name_with_a_hidden_character_is_refused(client, db, mailoutbox, char):
    response = _signup(client, "baru@contoh.id", name=f"Budi{char}ittoS")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Nama ini memuat karakter tak terlihat (U+{ord(char):04X})" in page
    assert not User.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("char", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_person_user_and_enterprise_names_with_a_hidden_character_are_refused(world, char):
    name = f"Siti{char}Aminah"
    person = PersonFactory.build(full_name=name, centre=world.a.centre)
    with pytest.raises(ValidationError) as raised:
        person.full_clean()
    assert "full_name" in raised.value.message_dict
    user = UserFactory.build(first_name="Siti", last_name=name, role=Role.OWNER)
    with pytest.raises(ValidationError) as raised:
        user.full_clean()
    assert "last_name" in raised.value.message_dict
    enterprise = EnterpriseFactory.build(name=name, owner=world.a.person, centre=world.a.centre)
    with pytest.raises(ValidationError) as raised:
        enterprise.full_clean()
    assert "name" in raised.value.message_dict
    assert not Person.objects.filter(full_name=name).exists()


def test_ordinary_names_pass(world):
    PersonFactory.build(full_name="I Gusti Ayu Ratna Dewi-Sari", centre=world.a.centre).clean()
    UserFactory.build(first_name="Ni Made", last_name="Déwi", role=Role.OWNER).clean()


@pytest.mark.parametrize("char", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_a_booking_form_name_with_a_hidden_character_is_refused(world, char):
    form = BookingDetailsForm(
        {"name": f"Kopi{char}Sari", "owner_name": f"Sari{char}Dewi"},
        centre=world.a.centre,
        consent_text=ConsentText(version="t", body="t"),
    )
    assert not form.is_valid()
    for field in ("name", "owner_name"):
        assert f"U+{ord(char):04X}" in " ".join(form.errors[field])
