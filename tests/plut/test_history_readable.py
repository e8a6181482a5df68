"""A record's change history reads as words (plut.foundation.core.history, _history.html): the
action, field labels, choice labels, people's names, related records by name, times in the
centre's zone with its label, NIK and phone masked; in both languages, for the same few
queries however long the history."""

from __future__ import annotations

import datetime
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import translation

from cooperatives.masking import nik_mask
from mentoring.models import Booking, BookingStatus, Mode
from mentoring.services.deletion import REASON_KEY, deletion_note
from plut.foundation.core.history import history_for
from plut.foundation.core.phone import phone_mask
from tests.factories.clinics import StaffFactory
from tests.factories.mentoring import BookingFactory, SessionFactory

pytestmark = pytest.mark.django_db

# 02:00 UTC: 09:00 in Lampung (WIB), 10:00 in Makassar (WITA).
START = datetime.datetime(2026, 12, 4, 2, 0, tzinfo=datetime.UTC)
PHONE = "+6281234567890"


def _history(body: str) -> str:
    """The history section of a page, where the raw values used to show."""
    return body.split('<section class="history"', 1)[1].split("</section>", 1)[0]


def _raw(code: str, text: str) -> bool:
    """Whether ``code`` shows as a word of its own ("create", not "created")."""
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text) is not None


def _page(client, user, url: str, language: str) -> str:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return _history(response.content.decode())


@pytest.fixture
def session(world):
    """A session at 09:00 WIB with a co-consultant, its mode changed afterwards."""
    session = SessionFactory(
        consultant=world.a.consultant, enterprises=[world.a.enterprise], starts_at=START
    )
    session.co_consultants.add(world.a.manager)
    session.mode = Mode.ONLINE
    session.save()
    return session


@pytest.fixture
def booking(world):
    """A Makassar booking at 10:00 WITA, with the booker's phone, then confirmed."""
    booking = BookingFactory(
        enterprise=world.b.enterprise,
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=1),
        contact_phone=PHONE,
    )
    booking.status = BookingStatus.CONFIRMED
    booking.save()
    return booking


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_sessions_history_names_fields_choices_and_people(client, world, session, language):
    url = reverse("mentoring:session_detail", args=[session.pk])
    history = _page(client, world.a.consultant, url, language)
    with translation.override(language):
        words = {
            "created": str(translation.gettext("dibuat")),
            "changed": str(translation.gettext("diubah")),
            "mode label": str(session._meta.get_field("mode").verbose_name),
            "start label": str(session._meta.get_field("starts_at").verbose_name),
            "in person": str(Mode.IN_PERSON.label),
            "online": str(Mode.ONLINE.label),
        }
    for word in words.values():
        assert word in history
    assert f"{words['mode label']}: {words['in person']} → {words['online']}" in history
    assert "→ online<" not in history
    month = "Des" if language == "id" else "Dec"
    assert f"{words['start label']}: 4 {month} 2026 09:00 WIB" in history
    # People by name, the service area and the centre by theirs.
    assert world.a.consultant.display_name in history
    assert world.a.manager.display_name in history  # the co-consultant added
    assert session.service_area.name in history
    assert session.centre.name in history
    for raw in ("in_person", "consultant_a", "manager_a", "02:00", "create", "None"):
        assert not _raw(raw, history), raw
    # The moments of the entries are in the centre's zone, labelled.
    assert history.count(" WIB</time>") == LogEntry.objects.get_for_object(session).count()


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_bookings_history_reads_in_its_centres_zone_with_the_phone_masked(
    client, world, booking, language
):
    url = reverse("mentoring:booking_detail", args=[booking.pk])
    history = _page(client, world.b.manager, url, language)
    with translation.override(language):
        requested, confirmed = (
            str(BookingStatus.REQUESTED.label),
            str(BookingStatus.CONFIRMED.label),
        )
    assert f"{requested} → {confirmed}" in history
    assert "10:00 WITA" in history and "02:00" not in history
    assert phone_mask(PHONE) in history
    assert PHONE not in history
    assert booking.consultant.display_name in history
    assert booking.enterprise.name in history
    for raw in ("requested", "confirmed", "in_person", "update", booking.consultant.username):
        assert not _raw(raw, history), raw


def test_a_person_s_nik_stays_masked_in_the_history(world):
    person = world.a.person
    person.nik = "1871011205850007"
    person.save()
    changes = {c.field: c for c in history_for(person)[0].changes}
    assert changes["NIK"].new == nik_mask("1871011205850007")


def test_a_centre_s_public_office_number_is_shown_whole(world):
    """A centre's phone is printed on its public page: masking it in its history would only
    hide which number staff typed. A person's phone, on another model, stays masked."""
    centre = world.a.centre
    centre.phone = "+62721486789"
    centre.save()
    changes = {c.field: c for c in history_for(centre)[0].changes}
    assert changes["telepon"].new == "+62721486789"
    person = world.a.person
    person.phone = PHONE
    person.save()
    changes = {c.field: c for c in history_for(person)[0].changes}
    assert changes["telepon / WhatsApp"].new == phone_mask(PHONE)


def test_a_note_shows_what_happened_and_why_without_arrows(world):
    deletion_note(
        world.a.enterprise,
        by=world.a.manager,
        what="Pemesanan dihapus",
        description="Keripik · 4 Des 2026",
        reason="Uji coba",
    )
    entry = history_for(world.a.enterprise)[0]
    assert entry.actor_name == world.a.manager.display_name
    notes = {(c.field, c.old, c.new) for c in entry.changes}
    assert notes == {
        ("Pemesanan dihapus", "Keripik · 4 Des 2026", None),
        (REASON_KEY, None, "Uji coba"),
    }


def test_a_key_to_a_record_since_deleted_says_so(world, booking):
    other = BookingFactory(enterprise=world.b.enterprise)
    Booking.objects.filter(pk=booking.pk).update(consultant=None, status=BookingStatus.CANCELLED)
    gone = StaffFactory(centre=world.b.centre).user
    booking.consultant = gone
    booking.save()
    gone_pk = gone.pk
    Booking.objects.filter(consultant_id=gone_pk).update(consultant=other.consultant)
    gone.staff_membership.delete()
    gone.delete()
    change = next(c for c in history_for(booking)[0].changes if c.new == "(sudah dihapus)")
    assert change.field == str(Booking._meta.get_field("consultant").verbose_name)


@pytest.mark.parametrize("changes", [1, 20])
def test_the_history_costs_the_same_however_long(
    world, booking, django_assert_num_queries, changes
):
    colleagues = [StaffFactory(centre=world.b.centre).user for _ in range(2)]
    for number in range(changes):
        booking.consultant = colleagues[number % 2]
        booking.description = f"Catatan {number}"
        booking.save()
    booking = Booking.objects.get(pk=booking.pk)
    # The entries (actors joined); the booking's centre with its province (its zone); one
    # query per related model named: enterprise, centre, service area, users (consultants).
    with django_assert_num_queries(6):
        history = history_for(booking)
    assert len(history) == changes + 2


def test_the_audit_trail_names_a_booking_by_its_start_on_a_named_clock(world):
    """The audit trail keeps a record's text for good: a Makassar booking made through its
    centre reads on WITA, and one whose centre is not at hand on the server's WIB, never a bare
    UTC time."""
    starts = datetime.datetime(2026, 12, 9, 23, 0, tzinfo=datetime.UTC)
    ends = starts + datetime.timedelta(hours=1)
    Booking.objects.filter(pk=world.b.booking.pk).update(
        starts_at=starts, ends_at=ends, held_until=ends
    )
    booking = Booking.objects.select_related("enterprise", "centre__province").get(
        pk=world.b.booking.pk
    )
    assert str(booking) == f"{booking.enterprise.name} · 2026-12-10 07:00 WITA"
    bare = Booking.objects.get(pk=world.b.booking.pk)
    assert str(bare).endswith(" · 2026-12-10 06:00 WIB")
    entry = LogEntry.objects.get_for_object(booking).latest("timestamp")
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d$", entry.object_repr)  # labelled
