"""Records read as words, not as the database keeps them (#24): a session's change history, the
owner's "Data saya", the manager's outbox, the audit trail (officer, manager) and the clients of
a follow-up, each on a phone and at a desk, in both languages.
The server-side rules are in tests/plut/test_history_readable.py; here a person reads them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from mentoring.models import Mode
from plut.foundation.messaging.models import Channel, Message
from tests.browser.pages import (
    LANGUAGES,
    VIEWPORTS,
    axe_violations,
    describe,
    log_in,
    sideways_overflow,
)

pytestmark = pytest.mark.django_db(transaction=True)

# 02:00 UTC: 09:00 in Lampung (WIB).
START = datetime.datetime(2026, 12, 4, 2, 0, tzinfo=datetime.UTC)


def _t(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _raw(code: str, text: str) -> bool:
    """Whether ``code`` shows as a word of its own ("in_person", not a longer word)."""
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text) is not None


def _open(page: Page, live_server, user, language: str, viewport: dict, url: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
    page.set_viewport_size(viewport)
    log_in(page.context, live_server, user)
    page.goto(f"{live_server.url}{url}")


def _fits_and_passes_axe(page: Page) -> None:
    assert sideways_overflow(page) == []
    violations = axe_violations(page)
    assert not violations, describe(violations)


@LANGUAGES
@VIEWPORTS
def test_a_sessions_history_reads_as_words(page: Page, live_server, world, viewport, language):
    session = world.a.session
    session.starts_at = START
    session.ends_at = START + datetime.timedelta(hours=1)
    session.mode = Mode.IN_PERSON
    session.save()
    session.mode = Mode.ONLINE
    session.save()
    consultant = world.a.consultant
    url = reverse("mentoring:session_detail", args=[session.pk])
    _open(page, live_server, consultant, language, viewport, url)

    history = page.locator("section.history")
    with translation.override(language):
        online = str(Mode(Mode.ONLINE).label)
        in_person = str(Mode(Mode.IN_PERSON).label)
    # The mode's labels, the person's name, the centre's zone; not the stored codes.
    expect(history).to_contain_text(f"{in_person} → {online}")
    expect(history).to_contain_text(consultant.display_name)
    expect(history).to_contain_text("WIB")
    text = history.inner_text()
    for code in ("in_person", "online_", "create", "update", consultant.username):
        assert not _raw(code, text), f"{code!r} shows in the history: {text}"
    _fits_and_passes_axe(page)


@LANGUAGES
@VIEWPORTS
def test_an_owner_reads_their_data_with_labels(page: Page, live_server, world, viewport, language):
    _open(page, live_server, world.a.owner, language, viewport, reverse("privacy:my_data"))

    expect(page.get_by_role("heading", level=1)).to_have_text(_t("Data saya", language))
    main = page.locator("main")
    expect(main).to_contain_text(world.a.enterprise.name)
    text = main.inner_text()
    for code in ("date_joined", "full_name", "centre__name", "completed", "created_at"):
        assert not _raw(code, text), f"{code!r} shows on Data saya: {text}"
    _fits_and_passes_axe(page)


@LANGUAGES
@VIEWPORTS
def test_a_manager_reads_the_outbox_by_kind(page: Page, live_server, world, viewport, language):
    Message.objects.create(
        key="readable-journey-1",
        kind="booking-received",
        channel=Channel.EMAIL,
        recipient="sari@example.com",
        subject="Pemesanan",
        body="Pemesanan konsultasi Anda sudah kami terima.",
        centre_id=world.a.centre.pk,
        province=world.a.centre.province,
    )
    _open(page, live_server, world.a.manager, language, viewport, reverse("messaging:outbox"))

    main = page.locator("main")
    expect(main).to_contain_text(_t("Pemesanan diterima", language))
    assert not _raw("booking-received", main.inner_text())
    _fits_and_passes_axe(page)


@LANGUAGES
@VIEWPORTS
@pytest.mark.parametrize("name", ["officer_a", "manager_a"])
def test_the_audit_trail_names_people_and_fields(
    page: Page, live_server, world, viewport, language, name
):
    session = world.a.session
    session.mode = Mode.ONLINE
    session.save()
    _open(page, live_server, world.user(name), language, viewport, reverse("privacy:audit_log"))

    table = page.locator("main table")
    expect(table).to_contain_text(world.a.enterprise.name)
    text = table.inner_text()
    for code in ("created_at", "updated_at", "create", "update", world.a.consultant.username):
        assert not _raw(code, text), f"{code!r} shows in the audit trail: {text}"
    _fits_and_passes_axe(page)


@LANGUAGES
@VIEWPORTS
def test_a_follow_up_names_its_clients(page: Page, live_server, world, viewport, language):
    _open(
        page,
        live_server,
        world.a.manager,
        language,
        viewport,
        reverse("mentoring:follow_up_list") + "?who=all",
    )
    row = page.locator("main").get_by_role("link", name=world.a.enterprise.name).first
    expect(row).to_have_attribute(
        "href", reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk])
    )
    _fits_and_passes_axe(page)
