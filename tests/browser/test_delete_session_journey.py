"""A manager deletes a session logged by mistake: from the session's page, through the page
that says what goes with it, to the list without it and its booking open again."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mentoring.models import Booking, BookingStatus, FollowUp, MentoringSession
from tests.browser.pages import axe_violations, broken_references, describe, log_in
from tests.factories.mentoring import BookingFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_deletes_a_mistaken_session_after_confirming(page: Page, live_server, world):
    session = world.a.session
    Booking.objects.filter(pk=world.a.booking.pk).delete()
    start = timezone.now() + datetime.timedelta(days=1)
    booking = BookingFactory(
        enterprise=world.a.enterprise,
        consultant=world.a.consultant,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=BookingStatus.COMPLETED,
        session=session,
    )
    log_in(page.context, live_server, world.a.manager)

    page.goto(f"{live_server.url}/staff/sessions/{session.pk}/")
    page.get_by_role("link", name="Hapus sesi").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hapus sesi")
    plan = page.locator("main")
    expect(plan).to_contain_text(world.a.follow_up.action)  # goes with it
    expect(plan).to_contain_text("kembali berstatus Dikonfirmasi")  # the booking stays
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert not broken_references(page)

    # Without a reason nothing happens, and the page says why.
    page.get_by_role("button", name="Hapus sesi ini").click()
    expect(page.get_by_role("alert")).to_contain_text("Tuliskan alasan penghapusan")
    assert MentoringSession.objects.filter(pk=session.pk).exists()

    page.get_by_label("Alasan penghapusan").fill("Dicatat dua kali oleh konsultan.")
    page.get_by_role("button", name="Hapus sesi ini").click()

    expect(page).to_have_url(re.compile(r"/staff/sessions/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Sesi “{session.topic}” dihapus.")
    expect(page.get_by_role("status")).to_contain_text("Pemesanannya kembali berstatus")
    expect(page.get_by_role("link", name=session.topic)).to_have_count(0)
    assert not MentoringSession.objects.filter(pk=session.pk).exists()
    assert not FollowUp.objects.filter(session_id=session.pk).exists()
    booking.refresh_from_db()
    assert (booking.status, booking.session_id) == (BookingStatus.CONFIRMED, None)

    # Back to the deleted session's page (a stale tab): a clear message, not an error.
    page.goto(f"{live_server.url}/staff/sessions/{session.pk}/delete/")
    expect(page).to_have_url(re.compile(r"/staff/sessions/$"))
    expect(page.get_by_role("status")).to_contain_text("sudah dihapus oleh")
