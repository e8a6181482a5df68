"""Change histories read as words by the roles besides the consultant (whose reading is in
test_readable_journey.py) (#24): a centre's manager and the provincial officer read a session's
history (field labels, choice labels, people by name, times in the centre's zone labelled WIB);
every staff role reads a booking's history on its staff page with the booker's phone masked and
its times in the centre's zone (WITA in Makassar, whoever reads it). On a phone and at a desk,
in both languages. The server-side rules are in tests/plut/test_history_readable.py."""

from __future__ import annotations

import datetime
import re

import pytest
from auditlog.context import set_actor
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from mentoring.models import BookingStatus, MentoringSession, Mode
from plut.foundation.core.phone import phone_mask
from tests.browser.pages import (
    LANGUAGES,
    VIEWPORTS,
    in_language,
    sideways_overflow,
    sign_ins,
)
from tests.factories.mentoring import BookingFactory

pytestmark = pytest.mark.django_db(transaction=True)

# 02:00 UTC: 09:00 in Lampung (WIB), 10:00 in Makassar (WITA).
START = datetime.datetime(2026, 12, 4, 2, 0, tzinfo=datetime.UTC)
BOOKER_PHONE = "+6281234567890"
MONTH = {"id": "Des", "en": "Dec"}


@pytest.fixture
def browser_context_args(browser_context_args):
    # Pages read online: the service worker's background refresh of the pages it keeps for
    # visits without signal (test_offline.py) would only race each role's turn and the test's
    # end, where the database is emptied.
    return {**browser_context_args, "service_workers": "block"}


def _raw(code: str, text: str) -> bool:
    """Whether ``code`` shows as a word of its own ("in_person", not a longer word)."""
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text) is not None


def _label(model, name: str, language: str) -> str:
    with translation.override(language):
        return str(model._meta.get_field(name).verbose_name)


def _choice(choice, language: str) -> str:
    with translation.override(language):
        return str(choice.label)


def _lines(history: Locator, label: str) -> Locator:
    """The history's lines about the field labelled ``label`` ("mulai: ...")."""
    return history.locator("ol.history-list ul > li").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}: ")
    )


@LANGUAGES
@VIEWPORTS
def test_a_manager_and_an_officer_read_a_sessions_history_as_words(
    page: Page, live_server, world, viewport, language
):
    session = world.a.session
    consultant = world.a.consultant
    # The consultant sets the session at 09:00 WIB in person, then makes it online.
    with set_actor(consultant):
        session.starts_at = START
        session.ends_at = START + datetime.timedelta(hours=1)
        session.mode = Mode.IN_PERSON
        session.save()
        session.mode = Mode.ONLINE
        session.save()
    url = live_server.url + reverse("mentoring:session_detail", args=[session.pk])
    mode = _label(MentoringSession, "mode", language)
    starts = _label(MentoringSession, "starts_at", language)
    in_person = _choice(Mode.IN_PERSON, language)
    online = _choice(Mode.ONLINE, language)
    history = page.locator("section.history")
    names = ("manager_a", "officer_a")
    turn = sign_ins(live_server, language, *map(world.user, names))
    page.set_viewport_size(viewport)

    for name in names:
        turn(page.context, world.user(name))
        page.goto(url)
        expect(history.get_by_role("heading")).to_have_text(
            in_language("Riwayat perubahan", language)
        )
        # Field labels with choice labels; the start in the centre's zone, labelled.
        expect(history).to_contain_text(f"{mode}: {in_person} → {online}")
        expect(_lines(history, starts).filter(has_text="→")).to_contain_text(
            f"→ 4 {MONTH[language]} 2026 09:00 WIB"
        )
        # Who did it, by name; what they did, in words.
        entry = history.locator("ol.history-list > li").first
        expect(entry).to_contain_text(consultant.display_name)
        expect(entry).to_contain_text(in_language("diubah", language))
        # Every entry's moment is labelled with the centre's zone.
        for moment in history.locator("ol.history-list > li > time").all_inner_texts():
            assert moment.endswith(" WIB"), (name, moment)
        text = history.inner_text()
        for code in ("in_person", "online_", "create", "update", "02:00", consultant.username):
            assert not _raw(code, text), f"{name}: {code!r} shows in the history: {text}"
        assert sideways_overflow(page) == [], name


@LANGUAGES
@VIEWPORTS
def test_a_bookings_history_masks_the_phone_and_keeps_the_centres_zone(
    page: Page, live_server, world, viewport, language
):
    # A Makassar booking at 10:00 WITA, with the booker's phone, then confirmed.
    consultant = world.b.consultant
    booking = BookingFactory(
        enterprise=world.b.enterprise,
        consultant=consultant,
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=1),
        contact_phone=BOOKER_PHONE,
    )
    with set_actor(world.b.manager):
        booking.status = BookingStatus.CONFIRMED
        booking.save()
    url = live_server.url + reverse("mentoring:booking_detail", args=[booking.pk])
    requested = _choice(BookingStatus.REQUESTED, language)
    confirmed = _choice(BookingStatus.CONFIRMED, language)
    status = _label(type(booking), "status", language)
    starts = _label(type(booking), "starts_at", language)
    history = page.locator("section.history")
    # The national user reads in WIB elsewhere: the booking's times stay in its centre's zone.
    names = ("consultant_b", "manager_b", "officer_b", "national")
    turn = sign_ins(live_server, language, *map(world.user, names))
    page.set_viewport_size(viewport)

    for name in names:
        turn(page.context, world.user(name))
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            in_language("Pemesanan konsultasi", language)
        )
        expect(history).to_contain_text(f"{status}: {requested} → {confirmed}")
        expect(_lines(history, starts)).to_have_text(
            f"{starts}: 4 {MONTH[language]} 2026 10:00 WITA"
        )
        expect(history).to_contain_text(phone_mask(BOOKER_PHONE))
        expect(history).to_contain_text(world.b.manager.display_name)
        expect(history).to_contain_text(consultant.display_name)
        expect(history).to_contain_text(world.b.enterprise.name)
        for moment in history.locator("ol.history-list > li > time").all_inner_texts():
            assert moment.endswith(" WITA"), (name, moment)
        # The whole number is nowhere on the page, nor in its markup.
        assert BOOKER_PHONE not in page.content(), name
        assert "34567890" not in page.content(), name
        text = history.inner_text()
        for code in ("requested", "confirmed", "in_person", "update", "02:00", "03:00"):
            assert not _raw(code, text), f"{name}: {code!r} shows in the history: {text}"
        for person in (consultant, world.b.manager):
            assert not _raw(person.username, text), (name, person.username)
        assert sideways_overflow(page) == [], name
