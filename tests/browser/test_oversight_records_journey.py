"""What the provincial officer and the national user read of the portal's own records, in words
(#24): the outbox names each message's kind ("Pemesanan diterima", not ``booking-received``),
and the national user's audit trail names the person, the action, the kind of record and the
changed fields by their labels (the officer's and the manager's reading is in
test_readable_journey.py). On a phone and at a desk, in both languages."""

from __future__ import annotations

import re

import pytest
from auditlog.context import set_actor
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from mentoring.models import MentoringSession, Mode
from plut.foundation.messaging.labels import KIND_LABELS
from plut.foundation.messaging.models import Channel, Message
from tests.browser.pages import (
    LANGUAGES,
    VIEWPORTS,
    cell,
    in_language,
    sideways_overflow,
    sign_ins,
)

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = ("booking-received", "check-in-3m")


@pytest.fixture
def browser_context_args(browser_context_args):
    # Pages read online: the service worker's background refresh of the pages it keeps for
    # visits without signal (test_offline.py) would only race each role's turn and the test's
    # end, where the database is emptied.
    return {**browser_context_args, "service_workers": "block"}


def _raw(code: str, text: str) -> bool:
    """Whether ``code`` shows as a word of its own ("create", not "created")."""
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text) is not None


@LANGUAGES
@VIEWPORTS
def test_the_officer_and_the_national_user_read_the_outbox_by_kind(
    page: Page, live_server, world, viewport, language
):
    for number, kind in enumerate(KINDS):
        Message.objects.create(
            key=f"oversight-journey-{number}",
            kind=kind,
            channel=Channel.EMAIL,
            recipient="sari@example.com",
            subject="Pemesanan",
            body="Pemesanan konsultasi Anda sudah kami terima.",
            centre_id=world.a.centre.pk,
            province=world.a.centre.province,
        )
    with translation.override(language):
        labels = {kind: str(KIND_LABELS[kind]) for kind in KINDS}
    kind_header = in_language("Jenis", language)
    table = page.locator("main section.outbox table")
    names = ("officer_a", "national")
    turn = sign_ins(live_server, language, *map(world.user, names))
    page.set_viewport_size(viewport)

    for name in names:
        turn(page.context, world.user(name))
        page.goto(live_server.url + reverse("messaging:outbox"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            in_language("Pesan keluar", language)
        )
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(len(KINDS))
        kinds = sorted(cell(row, table, kind_header).inner_text() for row in rows.all())
        assert kinds == sorted(labels.values()), (name, kinds)
        text = page.locator("main").inner_text()
        for kind in KINDS:
            assert not _raw(kind, text), f"{name}: {kind!r} shows in the outbox: {text}"
        assert sideways_overflow(page) == [], name


@LANGUAGES
@VIEWPORTS
def test_the_national_user_reads_the_audit_trail_with_labels(
    page: Page, live_server, world, viewport, language
):
    session = world.a.session
    consultant = world.a.consultant
    with set_actor(consultant):
        session.mode = Mode.ONLINE
        session.save()
    with translation.override(language):
        mode = str(MentoringSession._meta.get_field("mode").verbose_name)
        kind = str(MentoringSession._meta.verbose_name)
    page.set_viewport_size(viewport)
    sign_ins(live_server, language, world.national)(page.context, world.national)
    page.goto(live_server.url + reverse("privacy:audit_log"))

    expect(page.get_by_role("heading", level=1)).to_have_text(
        in_language("Jejak perubahan data", language)
    )
    table = page.locator("main table")
    # The newest entry first: the consultant's change of the session's mode, in words.
    latest = table.locator("tbody tr").first
    expect(cell(latest, table, in_language("Waktu", language))).to_contain_text("WIB")
    expect(cell(latest, table, in_language("Oleh", language))).to_have_text(consultant.display_name)
    expect(cell(latest, table, in_language("Tindakan", language))).to_have_text(
        in_language("diubah", language)
    )
    expect(cell(latest, table, in_language("Jenis", language))).to_have_text(
        kind[:1].upper() + kind[1:]
    )
    expect(cell(latest, table, in_language("Kolom yang berubah", language))).to_have_text(mode)
    # Both centres' records: the national user reads the whole country's trail.
    expect(table).to_contain_text(world.a.enterprise.name)
    expect(table).to_contain_text(world.b.enterprise.name)
    text = table.inner_text()
    for code in ("created_at", "updated_at", "create", "update", consultant.username):
        assert not _raw(code, text), f"{code!r} shows in the audit trail: {text}"
    assert sideways_overflow(page) == []
