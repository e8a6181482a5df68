"""A long list's download under the production server: gunicorn with the image's config (a
worker is ended after ``timeout`` seconds) behind Caddy with plut/deploy/Caddyfile. The request
answers at once with the job's page; the finished file then comes whole, every row of the
database, sent by the proxy rather than by a gunicorn worker.

gunicorn runs in its own process, so it reads the test database through the server: PostgreSQL
(CI's first pass). An in-memory SQLite test database is out of its reach."""

from __future__ import annotations

import csv
import http.client
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from mentoring.models import MentoringSession
from plut.foundation.exports.models import ExportJob, ExportStatus
from plut.foundation.exports.services import export_job_run
from tests import served
from tests.factories.mentoring import SessionFactory

pytestmark = [
    pytest.mark.proxy,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="gunicorn reads the test database from another process: PostgreSQL (CI) only",
    ),
]

ROWS = 300
STREAM_MAX_ROWS = 50


def _database_url() -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    return f"postgres://{database['USER']}{password}@{host}:{port}/{database['NAME']}"


def _get(port: int, path: str, cookie: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", "Cookie": cookie})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_a_long_export_arrives_whole_under_the_production_server(world, tmp_path):
    consultant = world.a.consultant
    SessionFactory.create_batch(ROWS, consultant=consultant, enterprises=[world.a.enterprise])
    SessionFactory(
        consultant=consultant, enterprises=[world.a.enterprise], topic="Sertifikasi halal keripik"
    )
    client = Client()
    client.force_login(consultant)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    env = {
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EXPORT_STREAM_MAX_ROWS": str(STREAM_MAX_ROWS),
        "EXPORT_SENT_BY_PROXY": "true",
        # The job is written below, by this process as the worker.
        "CELERY_BROKER_URL": "memory://",
    }
    with (
        served.gunicorn(tmp_path / "gunicorn", workers=2, env=env) as upstream,
        served.caddy(
            tmp_path / "caddy",
            upstream=upstream,
            env={"PROXY_MEDIA_ROOT": str(settings.MEDIA_ROOT)},
        ) as port,
    ):
        # A short list (a search) streams within the request, whole.
        url = reverse("mentoring:session_export", args=["csv"])
        status, _headers, body = _get(port, f"{url}?q=halal", cookie)
        assert status == 200
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert [row[6] for row in rows[1:]] == ["Sertifikasi halal keripik"]

        # The whole list: a job's page at once.
        status, headers, _body = _get(port, url, cookie)
        job = ExportJob.objects.get()
        assert status == 302
        assert headers["Location"] == reverse("exports:job", args=[job.pk])

        export_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == ExportStatus.DONE

        status, headers, body = _get(port, reverse("exports:download", args=[job.pk]), cookie)
        assert status == 200
        assert headers["Content-Disposition"] == f'attachment; filename="{job.filename}"'
        assert headers["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        expected = MentoringSession.objects.filter(centre=world.a.centre).count()
        # The header, the world's session, ours and the halal one.
        assert len(rows) == 1 + expected == 1 + 1 + ROWS + 1
        assert len(body) == job.file.size

        # The file's path is Django's to give: asked directly, the proxy passes the request on
        # to Django, which has no such page.
        status, _headers, _body = _get(port, "/" + job.file.name, cookie)
        assert status == 404
