"""gunicorn's settings (plut/deploy/gunicorn.conf.py), shared by the image and the benchmark."""

from __future__ import annotations

import datetime
import json
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn.config import Config
from gunicorn.glogging import Logger

CONF = Path(settings.BASE_DIR) / "plut" / "deploy" / "gunicorn.conf.py"
PHONE = "081234567890"


def _settings(monkeypatch, cores: int = 2, **env: str) -> dict:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(cores)))
    return {k: v for k, v in runpy.run_path(str(CONF)).items() if not k.startswith("_")}


def _gunicorn_config(values: dict) -> Config:
    config = Config()
    for name, value in values.items():
        if name in config.settings:
            config.set(name, value)
    return config


@pytest.mark.parametrize(
    ("cores", "env", "workers"), [(2, {}, 5), (4, {}, 9), (2, {"WEB_CONCURRENCY": "3"}, 3)]
)
def test_workers_are_twice_the_cores_plus_one_unless_web_concurrency_says(
    monkeypatch, cores, env, workers
):
    values = _settings(monkeypatch, cores, **env)
    config = _gunicorn_config(values)
    assert config.workers == workers
    assert config.worker_class_str == "sync"
    assert config.threads == 1


def test_the_access_log_holds_the_path_but_never_a_query_string_or_referer(monkeypatch, tmp_path):
    values = _settings(monkeypatch)
    values["accesslog"] = str(tmp_path / "access.log")
    logger = Logger(_gunicorn_config(values))
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/koperasi/usaha/?q={PHONE}",
        "PATH_INFO": "/koperasi/usaha/",
        "QUERY_STRING": f"q={PHONE}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": f"https://plut.example.go.id/koperasi/usaha/?q={PHONE}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    logger.access(
        response, SimpleNamespace(headers=[]), environ, datetime.timedelta(milliseconds=42)
    )
    for handler in logger.access_log.handlers:
        handler.flush()

    line = (tmp_path / "access.log").read_text()
    assert '"GET /koperasi/usaha/ HTTP/1.1" 200 1234 42ms' in line
    assert "10.0.0.7" in line
    assert PHONE not in line


def test_the_image_starts_gunicorn_with_this_file():
    dockerfile = (Path(settings.BASE_DIR) / "plut" / "deploy" / "Dockerfile").read_text()
    cmd = json.loads(dockerfile.rsplit("\nCMD ", 1)[1].splitlines()[0])
    assert cmd[:2] == ["gunicorn", "plut.wsgi:application"]
    config = Path(settings.BASE_DIR) / cmd[cmd.index("--config") + 1]
    assert config == CONF


def test_a_request_may_take_30_seconds_and_the_proxy_waits_longer(monkeypatch):
    """The timeout is a decision (long downloads are jobs, plut/foundation/exports); the proxy
    waits past it, so a stuck worker is gunicorn's to end and say so."""
    values = _settings(monkeypatch)
    assert values["timeout"] == 30
    caddyfile = (Path(settings.BASE_DIR) / "plut" / "deploy" / "Caddyfile").read_text()
    proxy_wait = int(re.search(r"response_header_timeout (\d+)s", caddyfile).group(1))
    assert proxy_wait > values["timeout"]
