"""Fixtures for the outbox tests (imported by conftest here and by the mentoring tests that
send messages): a fake WhatsApp/SMS provider and a fake SMTP server on 127.0.0.1 (nothing in
the suite calls the internet) and a centre on WIT."""

from __future__ import annotations

import json
import re
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clinics.models import Centre


@dataclass
class FakeProvider:
    """A JSON-over-HTTP messaging provider that honours Idempotency-Key, like real ones do.

    ``script`` lists the HTTP statuses of the next replies (then 200); ``delay`` holds each
    reply back, so a test can kill a worker while a request is in flight.
    """

    url: str = ""
    requests: list[dict] = field(default_factory=list)
    deliveries: dict[str, dict] = field(default_factory=dict)
    script: list[int] = field(default_factory=list)
    delay: float = 0.0
    # When (time.perf_counter) each key was taken for delivery: the start of the window in
    # which a crash makes the outbox send it again.
    accepted_at: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict, payload: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests.append({"headers": headers, "json": payload})
            status = self.script.pop(0) if self.script else 200
            key = headers.get("Idempotency-Key", "")
            if status == 200 and key not in self.deliveries:
                self.deliveries[key] = payload
                self.accepted_at[key] = time.perf_counter()
        time.sleep(self.delay)
        return status, {"id": f"fake-{len(self.deliveries)}"}

    def delivered_keys(self) -> list[str]:
        return sorted(self.deliveries)


@pytest.fixture
def fake_provider():
    provider = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length) or b"{}")
            status, answer = provider.handle(dict(self.headers), payload)
            body = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client (a killed worker) is gone

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_port}/send"
    yield provider
    server.shutdown()
    server.server_close()


@pytest.fixture
def phone_channels(settings, fake_provider):
    """WhatsApp and SMS switched on, both pointing at the fake provider."""
    settings.MESSAGING_WHATSAPP_URL = fake_provider.url
    settings.MESSAGING_WHATSAPP_TOKEN = "wa-token"
    settings.MESSAGING_SMS_URL = fake_provider.url
    settings.MESSAGING_SMS_TOKEN = "sms-token"
    settings.MESSAGING_HTTP_TIMEOUT = 2
    return fake_provider


@dataclass
class FakeSmtp:
    """An SMTP server that takes every message; Django's real SMTP backend talks to it.

    ``quit_hangs``: after taking a message it never answers QUIT, like a server that stalls or
    a connection lost just after the "250 queued".
    """

    port: int = 0
    # Message-ID header -> time.perf_counter() of each "250" that took a copy with it.
    accepted_at: dict[str, list[float]] = field(default_factory=dict)
    quit_hangs: bool = False

    def message_ids(self) -> list[str]:
        return [header for header, times in self.accepted_at.items() for _ in times]


@pytest.fixture
def smtp_server(settings):
    server_state = FakeSmtp()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: bytes) -> None:
            self.wfile.write(line + b"\r\n")
            self.wfile.flush()

        def handle(self):
            self.reply(b"220 fake ESMTP")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    self.reply(b"354 go ahead")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk
                    message_id = re.search(rb"^Message-ID: (.+?)\r$", data, re.M | re.I)
                    header = message_id.group(1).decode() if message_id else ""
                    server_state.accepted_at.setdefault(header, []).append(time.perf_counter())
                    self.reply(b"250 queued")
                elif verb == b"QUIT":
                    if server_state.quit_hangs:
                        self.rfile.read()  # until the client gives up and closes
                        return
                    self.reply(b"221 bye")
                    return
                else:  # EHLO, MAIL, RCPT, RSET, NOOP
                    self.reply(b"250 ok")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server_state.port = server.server_address[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server_state.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 1
    yield server_state
    server.shutdown()
    server.server_close()


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """The ids handed to the broker (none reaches a worker)."""
    ids: list[int] = []
    monkeypatch.setattr(
        "plut.foundation.messaging.tasks.message_send.apply_async",
        lambda args, **kwargs: ids.append(args[0]),
    )
    return ids


@pytest.fixture
def wit_centre(reference_data) -> Centre:
    """A centre on Eastern Indonesia Time (Papua or Maluku)."""
    return Centre.objects.filter(province__timezone="Asia/Jayapura").select_related("province")[0]
