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
