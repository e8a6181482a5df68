"""Request size limits. The import upload's own checks (type by content, size) are tested in
tests/api/test_imports.py; formula injection in exports in tests/plut/test_exports.py. The
proxy's limits, in front of gunicorn, in tests/security/test_slow_clients.py."""

from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from rest_framework.test import APIClient

from cooperatives.services.imports import ENTERPRISES, VALID_ROWS
from tests.api.test_imports import as_csv, row

# The body of the upload that a public form once accepted.
HOSTILE_BYTES = 300 * 1024 * 1024
BOUNDARY = "plut-boundary"


class Unread(io.RawIOBase):
    """A request body that fails the test when anything reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        raise AssertionError("the body was read")


class Endless(io.RawIOBase):
    """A chunked body that never ends, counting what was read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        buffer[:] = b"x" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


def _declared(client, url: str, size: int, **extra):
    """A POST announcing ``size`` bytes (Content-Length), none of which may be read."""
    return client.generic(
        "POST",
        url,
        CONTENT_LENGTH=str(size),
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        **{"wsgi.input": Unread()},
        **extra,
    )


def _chunked(client, url: str, body: io.RawIOBase, content_type: str = MULTIPART_CONTENT):
    """A POST without Content-Length, un-chunked by the server as gunicorn does."""
    return client.generic(
        "POST",
        url,
        CONTENT_TYPE=content_type,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": body, "wsgi.input_terminated": True},
    )


def _import_form(size: int = 0) -> dict:
    rows = [row(nama_usaha=f"Usaha {n}") for n in range(max(1, size // 100))]
    return {
        "file": SimpleUploadedFile("umkm.csv", as_csv(rows)),
        "kind": ENTERPRISES,
        "mode": VALID_ROWS,
    }


@pytest.mark.django_db
def test_an_oversized_form_body_is_refused_before_any_view_reads_it(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(
        reverse("accounts:magic_link_request"), {"email": "a@contoh.id", "pad": "x" * 20_000}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_too_many_fields_are_refused(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    response = client.post(reverse("login"), {f"f{n}": "1" for n in range(60)})
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_oversized_upload_to_a_public_form_is_a_413_page_in_indonesian(client):
    response = _declared(client, reverse("login"), HOSTILE_BYTES)
    assert response.status_code == 413
    page = response.content.decode()
    assert 'lang="id"' in page
    assert "Data terlalu besar" in page
    assert "lebih besar dari batas 2,5\xa0MB" in page
    assert "Portal PLUT KUMKM" in page  # the portal's own page (base.html)


@pytest.mark.django_db
def test_an_oversized_chunked_body_is_a_413_after_reading_no_more_than_the_limit(client):
    body = Endless()
    response = _chunked(client, reverse("login"), body)
    assert response.status_code == 413
    assert "Data terlalu besar" in response.content.decode()
    assert body.read_bytes <= django_settings.REQUEST_BODY_MAX_BYTES + 64 * 1024


@pytest.mark.django_db
def test_the_413_page_speaks_english_when_chosen(client):
    client.cookies["django_language"] = "en"
    response = _declared(client, reverse("login"), HOSTILE_BYTES)
    assert response.status_code == 413
    page = response.content.decode()
    assert 'lang="en"' in page
    assert "The data you sent is larger than the limit of 2.5\xa0MB" in page


@pytest.mark.django_db
def test_the_api_answers_a_json_413(client):
    response = _declared(client, "/api/v1/sessions/", HOSTILE_BYTES)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large"
    assert "tidak diterima" in error["message"]


def test_the_import_upload_may_send_its_file_and_no_more(world, client):
    client.force_login(world.a.manager)
    page = reverse("api_pages:import_upload")
    allowed = django_settings.IMPORT_MAX_UPLOAD_BYTES + 64 * 1024
    assert django_settings.REQUEST_BODY_MAX_BYTES_BY_VIEW["api_pages:import_upload"] == allowed
    assert _declared(client, page, allowed + 1).status_code == 413
    assert _declared(client, reverse("login"), allowed).status_code == 413
    # A file over the default limit reaches the form (which reads it, and refuses this one).
    big = SimpleUploadedFile("umkm.csv", b"\x00" * (3 * 1024 * 1024))
    response = client.post(page, {"file": big, "kind": ENTERPRISES, "mode": VALID_ROWS})
    assert response.status_code == 200
    assert "CSV (UTF-8) atau XLSX" in response.content.decode()


def test_an_import_upload_over_the_default_limit_still_works(world, client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    form = _import_form(size=3000)
    assert _declared(client, reverse("login"), 3000).status_code == 413
    client.force_login(world.a.manager)
    response = client.post(reverse("api_pages:import_upload"), form)
    assert response.status_code == 302
    api = APIClient()
    api.force_authenticate(world.a.manager)
    form = _import_form(size=3000)
    response = api.post("/api/v1/imports/", form, format="multipart")
    assert response.status_code == 201, response.content


def test_a_chunked_upload_within_the_limit_reaches_the_form(world, client):
    client.force_login(world.a.manager)
    body = io.BytesIO(encode_multipart(BOUNDARY, _import_form()))
    response = _chunked(
        client,
        reverse("api_pages:import_upload"),
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 302


def test_the_import_page_refuses_a_file_over_its_limit_in_indonesian(world, client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    client.force_login(world.a.manager)
    response = client.post(reverse("api_pages:import_upload"), _import_form(size=3000))
    assert response.status_code == 200
    assert "Berkas terlalu besar (maksimum 1 MB)." in response.content.decode()


def test_every_view_given_a_larger_limit_exists():
    for name in django_settings.REQUEST_BODY_MAX_BYTES_BY_VIEW:
        reverse(name)
