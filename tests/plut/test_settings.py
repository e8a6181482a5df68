"""Settings fail loudly on bad values, and production-like settings pass check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-for-the-deploy-check-" + "y" * 20,
    "ALLOWED_HOSTS": "portal.example.id",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Start from the machine's environment without what the test run itself sets.
    dropped = {
        "DEBUG",
        "SECRET_KEY",
        "DEMO_MODE",
        "SECURE_SSL_REDIRECT",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean["DJANGO_SETTINGS_MODULE"] = "plut.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="portal.example.id")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_mode_is_refused_with_debug_off():
    result = _manage("check", DEMO_MODE="true", **PRODUCTION)
    assert result.returncode != 0
    assert "DEMO_MODE is only allowed with DEBUG on" in result.stderr


def test_a_malformed_value_fails_loudly():
    result = _manage("check", COOPERATIVE_ACTIVE_RAT_YEARS="tiga", **PRODUCTION)
    assert result.returncode != 0
    assert "tiga" in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(PRODUCTION["SECRET_KEY"])
    env = {**PRODUCTION, "SECRET_KEY_FILE": str(secret)}
    del env["SECRET_KEY"]
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value"), [("LANGUAGE_CODE", "id"), ("TIME_ZONE", "Asia/Jakarta"), ("USE_TZ", True)]
)
def test_language_and_time_defaults(settings, name, value):
    assert getattr(settings, name) == value
    assert ("en", "English") in [(code, str(label)) for code, label in settings.LANGUAGES]


def test_heavy_jobs_go_to_the_reports_queue_when_a_deployment_names_one():
    code = (
        "import django; django.setup(); from plut.celery import app; "
        "route = app.amqp.router.route; "
        "print(route({}, 'plut.top.reports.tasks.report_generate_task')['queue'].name, "
        "route({}, 'plut.top.dashboards.tasks.dashboard_snapshot_refresh')['queue'].name, "
        "route({}, 'mentoring.tasks.booking_reminders')['queue'].name)"
    )
    result = _manage("shell", "-c", code, REPORTS_QUEUE="reports", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["reports", "reports", "celery"]
    # Without one, everything shares the default queue that `make run`'s single worker reads.
    result = _manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.split()[-3:] == ["celery", "celery", "celery"]
