"""Fixtures for the outbox tests (imported by conftest here and by the mentoring tests that
send messages): fakes of the WhatsApp Cloud API and of Twilio's Messages API speaking their
documented protocols, and a fake SMTP server, all on 127.0.0.1 (nothing in the suite calls
the internet), and a centre on WIT."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socketserver
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clinics.models import Centre
from plut.foundation.messaging.whatsapp_templates import LANGUAGES, TEMPLATES

WA_VERSION = "v23.0"
WA_PHONE_NUMBER_ID = "106540352242922"
WA_TOKEN = "wa-token"
WA_APP_SECRET = "wa-app-secret"
WA_VERIFY_TOKEN = "wa-verify-token"
TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "twilio-auth-token"
TWILIO_SERVICE = "MG" + "0" * 31 + "2"


def _lower(headers) -> dict[str, str]:
    """Header names as HTTP has them: case-insensitive (urllib sends "Content-type")."""
    return {name.lower(): value for name, value in headers.items()}


def _error(status: int, code: int, message: str, kind: str = "OAuthException") -> tuple:
    return status, {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            "error_subcode": 2494010 if code == 131047 else None,
            "fbtrace_id": "AbCdEfGhIjK",
        }
    }


# The Cloud API's documented errors, as Meta answers them (HTTP status, error body).
WA_RATE_LIMIT = _error(400, 130429, "(#130429) Rate limit hit", "OAuthException")
WA_TEMPLATE_MISSING = _error(
    404, 132001, "(#132001) Template name does not exist in the translation"
)
WA_TOKEN_EXPIRED = _error(
    401,
    190,
    "Error validating access token: Session has expired on Tuesday, 01-Dec-26 02:00:00 PST.",
)
WA_REENGAGEMENT = _error(400, 131047, "(#131047) Re-engagement message")
WA_PARAMETER_COUNT = _error(
    400, 132000, "(#132000) Number of parameters does not match the expected number of params"
)
WA_SERVER_ERROR = _error(500, 131000, "(#131000) Something went wrong")


@dataclass
class FakeWhatsApp:
    """Meta's WhatsApp Cloud API as its documentation describes it, on 127.0.0.1.

    It accepts exactly ``POST /{version}/{phone-number-id}/messages`` with
    ``Authorization: Bearer <that number's token>`` and a JSON template message (or a free-text
    one), answers
    ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}``
    and the documented errors otherwise. Like the real API it has no idempotency key: a copy
    sent twice is taken twice. ``script`` lists (status, body) answers to give next;
    ``approved`` the template names it knows (besides Meta's ``hello_world``), ``shapes`` each
    one's parameter count and languages, checked as Meta does (132000 for a wrong count,
    132001 for a language it was not approved in).
    """

    base_url: str = ""
    tokens: dict[str, str] = field(default_factory=lambda: {WA_PHONE_NUMBER_ID: WA_TOKEN})
    approved: set[str] = field(default_factory=set)
    shapes: dict[str, tuple[int, frozenset[str]]] = field(
        default_factory=lambda: {"hello_world": (0, frozenset({"en_US"}))}
    )
    requests: list[dict] = field(default_factory=list)
    script: list[tuple] = field(default_factory=list)
    delay: float = 0.0
    # Outbox key (biz_opaque_callback_data) -> when (time.perf_counter) each copy was taken.
    accepted_at: dict[str, float] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, headers, raw: bytes) -> tuple[int, dict]:
        match = re.fullmatch(rf"/{re.escape(WA_VERSION)}/(\d+)/messages", path)
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        with self.lock:
            self.requests.append({"path": path, "headers": _lower(headers), "json": payload})
            scripted = self.script.pop(0) if self.script else None
        if match is None or match.group(1) not in self.tokens:
            return _error(
                400, 100, "Unsupported post request. Object does not exist", "GraphMethodException"
            )
        if headers.get("Authorization") != f"Bearer {self.tokens[match.group(1)]}":
            return WA_TOKEN_EXPIRED
        if headers.get("Content-Type") != "application/json" or not isinstance(payload, dict):
            return _error(400, 100, "(#100) Invalid parameter")
        template = payload.get("template") or {}
        if payload.get("type") == "text":
            valid = bool((payload.get("text") or {}).get("body"))
        else:
            valid = (
                payload.get("type") == "template"
                and bool(template.get("name"))
                and bool((template.get("language") or {}).get("code"))
            )
        if (
            payload.get("messaging_product") != "whatsapp"
            or not str(payload.get("to", "")).isdigit()
            or not valid
        ):
            return _error(400, 100, "(#100) Invalid parameter")
        if scripted is not None:
            return scripted
        if payload["type"] == "template":
            name = template["name"]
            if name != "hello_world" and name not in self.approved:
                return WA_TEMPLATE_MISSING
            count, languages = self.shapes[name]
            if template["language"]["code"] not in languages:
                return WA_TEMPLATE_MISSING
            given = [
                parameter
                for component in template.get("components") or []
                if component.get("type") == "body"
                for parameter in component.get("parameters") or []
            ]
            if len(given) != count:
                return WA_PARAMETER_COUNT
        with self.lock:
            self.taken.append(payload.get("biz_opaque_callback_data", ""))
            self.accepted_at[payload.get("biz_opaque_callback_data", "")] = time.perf_counter()
            number = len(self.taken)
        time.sleep(self.delay)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
            "messages": [{"id": f"wamid.FAKE{number:06d}", "message_status": "accepted"}],
        }

    def delivered_keys(self) -> list[str]:
        """The outbox keys taken, each once however often it came."""
        return sorted(set(self.taken))

    @staticmethod
    def key(request: dict) -> str:
        """The outbox key a request carried."""
        return request["json"]["biz_opaque_callback_data"]


@dataclass
class FakeTwilio:
    """Twilio's Messages API as documented: ``POST /2010-04-01/Accounts/{AccountSid}/
    Messages.json``, form-encoded, basic auth; ``201`` with the message resource, or an error
    ``{"code", "message", "more_info", "status"}``. Numbers in ``unsubscribed`` replied STOP
    (error 21610)."""

    base_url: str = ""
    requests: list[dict] = field(default_factory=list)
    script: list[tuple] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    delay: float = 0.0
    # Outbox keys of the messages taken, a key once per copy.
    taken: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def error(status: int, code: int, message: str) -> tuple[int, dict]:
        return status, {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    def answer(self, path: str, headers, raw: bytes) -> tuple[int, dict]:
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        with self.lock:
            self.requests.append({"path": path, "headers": _lower(headers), "form": form})
            scripted = self.script.pop(0) if self.script else None
        if path != f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
            return self.error(404, 20404, "The requested resource was not found")
        expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if headers.get("Authorization") != f"Basic {expected}":
            return self.error(401, 20003, "Authenticate")
        if headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return self.error(400, 20001, "Invalid content type")
        if not form.get("To"):
            return self.error(400, 21604, "A 'To' phone number is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return self.error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return self.error(400, 21602, "Message body is required.")
        if scripted is not None:
            return scripted
        if form["To"] in self.unsubscribed:
            return self.error(400, 21610, "Attempt to send to unsubscribed recipient")
        with self.lock:
            self.taken.append(self.key({"form": form}))
            number = len(self.taken)
        time.sleep(self.delay)
        return 201, {
            "sid": f"SM{number:032d}",
            "account_sid": TWILIO_SID,
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form["Body"],
            "status": "accepted" if form.get("MessagingServiceSid") else "queued",
            "error_code": None,
            "error_message": None,
        }

    def delivered_keys(self) -> list[str]:
        """The outbox keys taken, each once however often it came."""
        return sorted(set(self.taken))

    @staticmethod
    def key(request: dict) -> str:
        """The outbox key a request carried (in its status callback's query string)."""
        callback = urllib.parse.urlsplit(request["form"].get("StatusCallback", ""))
        return dict(urllib.parse.parse_qsl(callback.query)).get("key", "")


@contextlib.contextmanager
def _serve(answer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            status, body = answer(self.path, self.headers, self.rfile.read(length))
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client (a killed worker) is gone

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_provider():
    """The fake WhatsApp Cloud API, with every template of the registry approved."""
    provider = FakeWhatsApp(approved={t.name for t in TEMPLATES.values()})
    provider.shapes |= {
        t.name: (len(t.parameters), frozenset(LANGUAGES)) for t in TEMPLATES.values()
    }
    with _serve(provider.answer) as url:
        provider.base_url = url
        yield provider


@pytest.fixture
def fake_twilio():
    provider = FakeTwilio()
    with _serve(provider.answer) as url:
        provider.base_url = url
        yield provider


def whatsapp_on(settings, provider: FakeWhatsApp) -> None:
    """The national WhatsApp sender, at the fake Cloud API."""
    settings.MESSAGING_WHATSAPP_API_URL = provider.base_url
    settings.MESSAGING_WHATSAPP_API_VERSION = WA_VERSION
    settings.MESSAGING_WHATSAPP_PHONE_NUMBER_ID = WA_PHONE_NUMBER_ID
    settings.MESSAGING_WHATSAPP_TOKEN = WA_TOKEN
    settings.MESSAGING_WHATSAPP_APP_SECRET = WA_APP_SECRET
    settings.MESSAGING_WHATSAPP_VERIFY_TOKEN = WA_VERIFY_TOKEN
    # Generous: under a loaded machine a short timeout would turn into a TemporaryFailure.
    settings.MESSAGING_HTTP_TIMEOUT = 10


def sms_on(settings, provider: FakeTwilio) -> None:
    settings.MESSAGING_SMS_API_URL = provider.base_url
    settings.MESSAGING_TWILIO_ACCOUNT_SID = TWILIO_SID
    settings.MESSAGING_TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.MESSAGING_TWILIO_MESSAGING_SERVICE_SID = TWILIO_SERVICE
    settings.MESSAGING_SMS_FROM = ""
    settings.MESSAGING_HTTP_TIMEOUT = 10


@pytest.fixture
def phone_channels(settings, fake_provider):
    """WhatsApp switched on (the national sender at the fake Cloud API)."""
    whatsapp_on(settings, fake_provider)
    return fake_provider


@pytest.fixture
def sms_channel(settings, fake_twilio):
    """SMS switched on (Twilio's fake, through a Messaging Service)."""
    sms_on(settings, fake_twilio)
    return fake_twilio


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
    # Replies to give instead of "250 queued" at the end of the next DATA (b"421 busy", ...).
    script: list[bytes] = field(default_factory=list)

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
                    if server_state.script:
                        self.reply(server_state.script.pop(0))
                        continue
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
