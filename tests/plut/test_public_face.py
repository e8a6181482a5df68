"""Small things a visitor, a crawler or an uptime monitor meets: HEAD on public pages, the
favicon, the login error, and the README's paths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_uptime_monitors_may_ask_with_head(client, world):
    # Django's require_GET refused HEAD with a 405; require_safe answers it like GET.
    for url in [
        reverse("portal:home"),
        reverse("portal:healthz"),
        reverse("directory:centre_detail", args=[world.a.centre.pk]),
    ]:
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b"", url


def test_the_favicon_is_the_portals_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".png")
    assert "max-age=86400" in response["Cache-Control"]


def test_a_wrong_password_says_so_once_in_plain_indonesian(client, world):
    response = client.post(
        reverse("login"), {"username": world.a.manager.username, "password": "salah"}
    )
    body = response.content.decode()
    assert "Nama pengguna atau kata sandi salah." in body
    assert "nama pengguna nama pengguna" not in body.lower()


def test_every_portal_path_the_readme_names_is_a_page(client, world):
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    paths = set(re.findall(r"`(/(?:privasi|staff|dashboard|api|pusat)[^`<>* ]*)`", readme))
    assert paths
    client.force_login(world.national)
    for path in sorted(paths):
        assert client.get(path).status_code != 404, path


def test_every_phone_field_opens_the_dialling_keypad(world):
    from clinics.forms.centres import CentreDetailsForm
    from cooperatives.forms import PersonEditForm
    from mentoring.forms.booking import BookingDetailsForm
    from plut.foundation.accounts.consent import consent_current
    from plut.foundation.accounts.forms import OwnerSignupForm

    fields = [
        BookingDetailsForm(centre=world.a.centre, consent_text=consent_current())["phone"],
        OwnerSignupForm(consent_text=consent_current())["phone"],
        CentreDetailsForm(instance=world.a.centre)["phone"],
        CentreDetailsForm(instance=world.a.centre)["whatsapp"],
    ]
    for field in fields:
        html = str(field)
        assert 'type="tel"' in html and 'inputmode="tel"' in html, html
    # Staff typing an owner's number: the browser must not offer the user's own.
    assert PersonEditForm.base_fields["phone"].widget.attrs["autocomplete"] == "off"


# --- The portal's own error pages (DEBUG off, as in production) ------------------------------


@pytest.fixture
def production(settings):
    settings.DEBUG = False


def _error_page(response, status: int) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert '<main id="main"' in body  # the portal's layout, with its navigation
    assert 'href="/"' in body or f'href="{reverse("portal:home")}"' in body
    assert "Traceback" not in body
    return body


def test_a_missing_page_is_the_portals_in_the_visitors_language(client, production):
    body = _error_page(client.get("/tidak-ada/"), 404)
    assert "Halaman tidak ditemukan" in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = _error_page(client.get("/tidak-ada/"), 404)
    assert "Page not found" in body
    assert "Halaman tidak ditemukan" not in body


def test_a_page_of_another_role_is_the_portals_403(client, production, world):
    client.force_login(world.a.owner)
    body = _error_page(client.get(reverse("dashboards:home")), 403)
    assert "Tidak boleh dibuka" in body
    assert "Ke halaman kerja saya" in body


def test_a_form_sent_without_its_token_is_the_portals_page_and_saves_nothing(world, production):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:owner_signup"), {"email": "a@b.id"})
    body = _error_page(response, 403)
    assert "Formulir kedaluwarsa" in body
    assert "tidak ada yang tersimpan" in body


def test_a_request_for_a_host_the_portal_does_not_serve_is_the_portals_400(client, production):
    body = _error_page(client.get("/", HTTP_HOST="evil.example"), 400)
    assert "Permintaan tidak dapat diproses" in body


def test_public_pages_describe_themselves_to_search_engines(client, world):
    home = client.get(reverse("portal:home")).content.decode()
    assert '<meta name="description" content="Konsultasi usaha gratis untuk koperasi' in home
    centre = world.a.centre
    page = client.get(reverse("directory:centre_detail", args=[centre.pk])).content.decode()
    assert (
        f'<meta name="description" content="Konsultasi usaha gratis untuk koperasi dan UMKM di {centre.name}'
        in page
    )
