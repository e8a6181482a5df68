"""Signing in with "Ingat saya", and choosing a new password by email, in Indonesian."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import resolve, reverse

from plut.foundation.accounts.views import LoginView

PASSWORD = "rahasia-123"  # tests.factories.accounts.UserFactory
NEW_PASSWORD = "padi-sawah-lampung-71"


def _log_in(client, username: str, *, remember: bool, password: str = PASSWORD):
    data = {"username": username, "password": password}
    if remember:
        data["remember_me"] = "on"
    return client.post(reverse("login"), data)


def test_unticked_the_session_ends_when_the_browser_closes(client, world):
    response = _log_in(client, "consultant_a", remember=False)
    assert response.status_code == 302
    assert client.session.get_expire_at_browser_close() is True
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""


def test_ticked_the_session_lasts_two_weeks(client, world):
    response = _log_in(client, "consultant_a", remember=True)
    assert response.status_code == 302
    assert client.session.get_expire_at_browser_close() is False
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_login_still_lands_each_role_on_its_home(client, world):
    response = _log_in(client, "manager_a", remember=False)
    assert response["Location"] == reverse("accounts:landing")


def test_login_page_offers_remember_me_and_a_forgotten_password_link(client, db):
    page = client.get(reverse("login")).content.decode()
    assert re.search(r'<input id="id_remember_me" name="remember_me" type="checkbox">', page)
    assert "Ingat saya" in page
    assert f'<a href="{reverse("password_reset")}">Lupa kata sandi?</a>' in page


def test_a_deactivated_user_cannot_log_in(client, world):
    user = world.a.consultant
    user.is_active = False
    user.save()
    assert client.login(username="consultant_a", password=PASSWORD) is False
    response = _log_in(client, "consultant_a", remember=True)
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_site_serves_the_remember_me_login(db):
    assert resolve("/accounts/login/").func.view_class is LoginView


# --- Forgotten password -----------------------------------------------------------------------


def _link_in(body: str) -> str:
    # Built from SITE_URL, not the request's host (tests/security/test_account_abuse.py).
    match = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def test_password_reset_sends_an_indonesian_email_with_a_working_link(client, world, mailoutbox):
    user = world.a.consultant
    user.email = "siti@plut-lampung.go.id"
    user.save()

    response = client.post(reverse("password_reset"), {"email": "SITI@plut-lampung.go.id"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["siti@plut-lampung.go.id"]
    assert mail.subject == "Buat kata sandi baru untuk Portal PLUT KUMKM"
    assert "Buka tautan berikut untuk memilih kata sandi baru:" in mail.body
    assert "Nama pengguna Anda: consultant_a" in mail.body

    response = client.get(_link_in(mail.body))
    assert response.status_code == 302  # the token moves into the session
    form_url = response["Location"]
    page = client.get(form_url).content.decode()
    assert "Kata sandi baru" in page
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    assert "Kata sandi tersimpan" in client.get(response["Location"]).content.decode()
    assert client.login(username="consultant_a", password=NEW_PASSWORD)
    # The link worked once; it does not work again.
    client.logout()
    response = client.get(_link_in(mail.body), follow=True)
    assert "Tautan ini tidak berlaku lagi" in response.content.decode()


def test_password_reset_does_not_reveal_unknown_emails(client, world, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "tidak-ada@contoh.id"})
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []
    assert "Periksa email Anda" in client.get(response["Location"]).content.decode()


def test_password_reset_shows_field_errors_in_indonesian(client, db):
    response = client.post(reverse("password_reset"), {"email": "bukan-email"})
    page = response.content.decode()
    assert '<label for="id_email">Email</label>' in page
    assert re.search(r'<div class="errors" role="alert"[^>]*>Masukkan alamat email', page)


def test_mismatched_new_passwords_are_refused_in_indonesian(client, world, mailoutbox):
    world.a.owner.email = "budi@contoh.id"
    world.a.owner.save()
    client.post(reverse("password_reset"), {"email": "budi@contoh.id"})
    form_url = client.get(_link_in(mailoutbox[0].body))["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": "lain"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "tidak cocok" in response.content.decode()


def test_a_signed_in_user_changes_their_password(client, world):
    client.force_login(world.a.manager)
    page = client.get(reverse("password_change")).content.decode()
    assert "Kata sandi lama" in page
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    assert "Kata sandi diubah" in client.get(response["Location"]).content.decode()
    client.logout()
    assert client.login(username="manager_a", password=NEW_PASSWORD)
