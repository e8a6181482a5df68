"""A client import's row errors read in the reader's language, whichever language the import
ran in: a large file runs in a worker (no reader's language at all), a small one in the
uploader's request, and either is read later by people of both languages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from cooperatives.services.imports import ENTERPRISES, VALID_ROWS
from plut.foundation.accounts.models import User
from plut.top.api.models import ImportJob
from plut.top.api.services import import_job_create, import_job_run
from tests.api.test_imports import as_csv, row
from tests.conftest import World

pytestmark = pytest.mark.django_db

# Row 3: a malformed NIB (the field's validator); row 4: row 2's NIB again (the import's own
# check, with the row number in the message).
DATA = as_csv(
    [
        row(nama_usaha="Kopi Way Kanan", nib="9120000000001"),
        row(nama_usaha="Keripik Barokah", nib="123"),
        row(nama_usaha="Kopi Lain", nib="9120000000001"),
    ]
)
ERRORS = {
    "id": ["NIB harus terdiri dari 13 angka.", "NIB ini sudah ada di baris 2 berkas ini."],
    "en": ["The NIB must consist of 13 digits.", "This NIB is already in row 2 of this file."],
}


def _in_a_worker(world: World, settings) -> ImportJob:
    """The job as the Celery worker runs it: queued, then run with no language activated."""
    settings.IMPORT_BACKGROUND_ROWS = 0
    with translation.override("id"):
        job = import_job_create(
            user=world.a.manager,
            centre=world.a.centre,
            kind=ENTERPRISES,
            mode=VALID_ROWS,
            filename="umkm.csv",
            data=DATA,
        )
    with translation.override(None):
        import_job_run(job_id=job.pk)
    return job


def _page(client, user: User, language: str, job: ImportJob) -> str:
    User.objects.filter(pk=user.pk).update(language=language)
    client.force_login(user)
    response = client.get(f"/staff/imports/{job.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["id", "en"])
def test_row_errors_of_a_worker_run_read_in_the_readers_language(client, world, settings, language):
    job = _in_a_worker(world, settings)
    page = _page(client, world.a.officer, language, job)
    for message in ERRORS[language]:
        assert message in page
    for message in ERRORS["en" if language == "id" else "id"]:
        assert message not in page


def test_row_errors_of_an_upload_in_english_read_in_indonesian(client, world):
    """A small file runs in the uploader's request: English there, Indonesian for the officer."""
    User.objects.filter(pk=world.a.manager.pk).update(language="en")
    client.force_login(world.a.manager)
    upload = SimpleUploadedFile("umkm.csv", DATA, content_type="text/csv")
    response = client.post(
        "/staff/imports/", {"file": upload, "kind": ENTERPRISES, "mode": VALID_ROWS}
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert all(message in _page(client, world.a.manager, "en", job) for message in ERRORS["en"])
    page = _page(client, world.a.officer, "id", job)
    assert all(message in page for message in ERRORS["id"])


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_api_gives_row_errors_in_the_readers_language(as_user, world, settings, language):
    job = _in_a_worker(world, settings)
    client = as_user("manager_a")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    errors = client.get(f"/api/v1/imports/{job.pk}/").json()["errors"]
    assert [(error["row"], error["field"]) for error in errors] == [(3, "nib"), (4, "nib")]
    assert [error["message"] for error in errors] == ERRORS[language]


def test_a_job_stored_before_errors_were_kept_in_every_language_still_reads(world, settings):
    job = _in_a_worker(world, settings)
    ImportJob.objects.filter(pk=job.pk).update(
        errors=[{"row": 3, "field": "nib", "message": "NIB harus terdiri dari 13 angka."}]
    )
    job.refresh_from_db()
    with translation.override("en"):
        assert job.row_errors == [
            {"row": 3, "field": "nib", "message": "NIB harus terdiri dari 13 angka."}
        ]
