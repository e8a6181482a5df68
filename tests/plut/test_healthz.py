from __future__ import annotations

import datetime
import functools
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from plut.celery import app as celery_app
from plut.foundation.core.services import worker_heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthy_portal_answers_200_with_each_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")
    assert body["worker"] == {"last_seen": None, "status": "unknown"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_every_part_when_healthy(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")
    assert "no-cache" in response["Cache-Control"]


def test_with_only_the_broker_down_healthz_keeps_the_node_and_readyz_reports_it(client):
    # Pages work and bookings are saved without the broker (messages wait in the outbox), so
    # the load balancer's probe stays 200; the monitoring probe says what is down.
    # Nothing listens on port 1: the same probe, pointed at a broker that is down.
    unreachable = functools.partial(celery_app.connection_for_write, "redis://127.0.0.1:1/0")
    with mock.patch.object(celery_app, "connection_for_write", unreachable):
        live, ready = client.get("/healthz"), client.get("/readyz")
    assert live.status_code == 200
    assert (live.json()["status"], live.json()["broker"]) == ("ok", "error")
    assert ready.status_code == 503
    assert ready.json()["broker"] == "error"
    assert ready.json()["database"] == "ok"


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_an_unreachable_database_gives_503(client, url):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = client.get(url)
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_a_recent_worker_heartbeat_is_reported(client, settings):
    worker_heartbeat_record()
    assert client.get("/healthz").json()["worker"]["status"] == "ok"
    old = timezone.now() - datetime.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS + 1)
    worker_heartbeat_record(now=old)
    worker = client.get("/healthz").json()["worker"]
    assert worker["status"] == "unknown"
    assert worker["last_seen"] == old.isoformat()
