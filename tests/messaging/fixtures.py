"""Fixtures for the outbox tests (imported by conftest here and by the mentoring tests that
send messages): a fake WhatsApp/SMS provider on 127.0.0.1 (nothing in the suite calls the
internet) and a centre on WIT."""

from __future__ import annotations

import json
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
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict, payload: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests.append({"headers": headers, "json": payload})
            status = self.script.pop(0) if self.script else 200
            key = headers.get("Idempotency-Key", "")
            if status == 200 and key not in self.deliveries:
                self.deliveries[key] = payload
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


@pytest.fixture
def wit_centre(reference_data) -> Centre:
    """A centre on Eastern Indonesia Time (Papua or Maluku)."""
    return Centre.objects.filter(province__timezone="Asia/Jayapura").select_related("province")[0]
