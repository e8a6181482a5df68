"""Personal data (UU 27/2022): full-NIK views logged, the audit trail in scope, the owner's
data export, erasure that keeps the statistics, consent versions kept."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Cooperative, Enterprise, NikView, Person
from mentoring.models import Booking, FollowUp, MentoringSession, Outcome
from plut.foundation.accounts.models import ConsentText, Role, User
from plut.foundation.messaging.models import OptOut, WhatsAppSender
from plut.top.privacy.models import ErasureRequest
from plut.top.privacy.services import erasure_request
from tests.factories.mentoring import SessionFactory


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


# --- Full NIK ---------------------------------------------------------------------------------


def test_the_serving_centres_staff_see_a_full_nik_and_it_is_logged(client, world):
    person = world.a.person
    client.force_login(world.a.consultant)
    response = client.post(reverse("privacy:nik_show", args=[person.pk]))
    assert response.status_code == 200
    assert person.nik in response.content.decode()
    view = NikView.objects.get()
    assert (view.viewer, view.person, view.centre, view.channel) == (
        world.a.consultant,
        person,
        world.a.centre,
        NikView.Channel.PAGE,
    )
    assert (timezone.now() - view.viewed_at).total_seconds() < 60


@pytest.mark.parametrize("name", ["consultant_b", "manager_b", "officer_b"])
def test_others_get_a_404_for_a_nik_outside_their_scope(client, world, name):
    client.force_login(world.user(name))
    assert client.post(reverse("privacy:nik_show", args=[world.a.person.pk])).status_code == 404
    assert not NikView.objects.exists()


def test_an_officer_in_scope_still_gets_only_the_mask(client, world):
    client.force_login(world.a.officer)
    response = client.post(reverse("privacy:nik_show", args=[world.a.person.pk]))
    assert response.status_code == 403
    assert world.a.person.nik not in response.content.decode()
    assert not NikView.objects.exists()


def test_the_profile_shows_the_mask_and_a_button_for_the_full_nik(client, world):
    client.force_login(world.a.consultant)
    page = client.get(reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk]))
    body = page.content.decode()
    assert world.a.person.nik not in body
    assert reverse("privacy:nik_show", args=[world.a.person.pk]) in body
    assert not NikView.objects.exists()


def test_the_admins_person_form_shows_a_full_nik_and_logs_it(client, world):
    User.objects.filter(pk=world.national.pk).update(is_staff=True, is_superuser=True)
    client.force_login(world.national)
    response = client.get(f"/admin/cooperatives/person/{world.a.person.pk}/change/")
    assert world.a.person.nik in response.content.decode()
    view = NikView.objects.get()
    assert (view.viewer, view.person, view.channel) == (
        world.national,
        world.a.person,
        NikView.Channel.ADMIN,
    )


def test_managers_read_the_nik_log_of_their_centre_only(client, world):
    for side in (world.a, world.b):
        client.force_login(side.consultant)
        client.post(reverse("privacy:nik_show", args=[side.person.pk]))
    client.force_login(world.a.manager)
    one = _queries(client, reverse("privacy:nik_views"))
    body = client.get(reverse("privacy:nik_views")).content.decode()
    # Each viewer by name, not by login name (issue #24).
    consultant_a, consultant_b = world.a.consultant.display_name, world.b.consultant.display_name
    assert consultant_a in body and consultant_b not in body
    assert "consultant_a" not in body
    client.force_login(world.a.consultant)
    for _ in range(5):
        client.post(reverse("privacy:nik_show", args=[world.a.person.pk]))
    client.force_login(world.a.manager)
    assert _queries(client, reverse("privacy:nik_views")) == one
    client.force_login(world.national)
    body = client.get(reverse("privacy:nik_views")).content.decode()
    assert consultant_a in body and consultant_b in body


# --- Audit trail ------------------------------------------------------------------------------


def test_every_tracked_kind_of_record_is_in_the_audit_trail(world):
    for model in (Person, Enterprise, Cooperative, MentoringSession, FollowUp, Booking, Outcome):
        created = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), action=LogEntry.Action.CREATE
        )
        assert created.exists(), model


def test_the_audit_trail_masks_nik_and_phone(world):
    entry = LogEntry.objects.get_for_object(world.a.person).first()
    assert world.a.person.nik not in json.dumps(entry.changes)
    assert world.a.person.phone not in json.dumps(entry.changes)


def test_managers_read_the_audit_trail_of_their_centre(client, world):
    client.force_login(world.a.manager)
    url = reverse("privacy:audit_log")
    body = client.get(url).content.decode()
    # Measured warm: the process reads each tracked model's content type once, then keeps it.
    one = _queries(client, url)
    assert world.a.enterprise.name in body
    assert world.b.enterprise.name not in body
    SessionFactory.create_batch(3, consultant=world.a.consultant, enterprises=[world.a.enterprise])
    assert _queries(client, url) == one
    client.force_login(world.national)
    assert world.b.enterprise.name in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("name", "sees_a", "sees_b", "sees_opt_out"),
    [
        ("manager_a", True, False, False),
        ("manager_b", False, True, False),
        ("officer_a", False, False, False),
        ("national", True, True, True),
    ],
)
def test_the_messaging_settings_trail_follows_the_centre(
    client, world, name, sees_a, sees_b, sees_opt_out
):
    """Who set a centre's WhatsApp number is its manager's (and national staff's) to read; a
    number's opt-out belongs to no centre, so only national staff read its trail."""
    for side, number in ((world.a, "1111111111"), (world.b, "2222222222")):
        WhatsAppSender.objects.create(centre_id=side.centre.pk, phone_number_id=number)
    OptOut.objects.create(phone="+6281234567890", channel="sms", source="provider")
    client.force_login(world.user(name))
    response = client.get(reverse("privacy:audit_log"))
    assert response.status_code == 200
    shown = {entry.object_repr for entry in response.context["page"].items}
    centres = {s.centre_id for s in WhatsAppSender.objects.all() if str(s) in shown}
    expected = {world.a.centre.pk} if sees_a else set()
    expected |= {world.b.centre.pk} if sees_b else set()
    assert centres == expected
    assert any("(sms)" in repr_ for repr_ in shown) is sees_opt_out


@pytest.mark.parametrize("name", ["consultant_a", "owner_a"])
def test_consultants_and_owners_have_no_logs(client, world, name):
    client.force_login(world.user(name))
    assert client.get(reverse("privacy:audit_log")).status_code == 403
    assert client.get(reverse("privacy:nik_views")).status_code == 403


# --- The owner's data ---------------------------------------------------------------------------


def test_an_owner_downloads_everything_about_them_and_nothing_else(client, world):
    client.force_login(world.a.owner)
    response = client.get(reverse("privacy:my_data_json"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["persons"][0]["nik"] == world.a.person.nik
    assert [row["name"] for row in data["enterprises"]] == [world.a.enterprise.name]
    assert [row["id"] for row in data["bookings"]] == [world.a.booking.pk]
    assert [row["id"] for row in data["sessions"]] == [world.a.session.pk]
    assert [row["id"] for row in data["outcomes"]] == [world.a.outcome.pk]
    assert world.b.enterprise.name not in response.content.decode()
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert world.a.enterprise.name in page and world.a.session.topic in page


def test_the_export_is_for_owners_only(client, world):
    client.force_login(world.a.consultant)
    assert client.get(reverse("privacy:my_data_json")).status_code == 403
    client.logout()
    assert client.get(reverse("privacy:my_data_json")).status_code == 302


# --- Erasure ------------------------------------------------------------------------------------


def _statistics() -> dict:
    return {
        "sessions": MentoringSession.objects.count(),
        "bookings": Booking.objects.count(),
        "outcomes": list(Outcome.objects.order_by("id").values_list("turnover", "employees")),
        "scales": list(Enterprise.objects.order_by("id").values_list("scale", flat=True)),
        "attendance": list(
            MentoringSession.objects.order_by("id").values_list("enterprises", flat=True)
        ),
    }


def test_an_owner_asks_once_and_the_manager_anonymises(client, world):
    owner, person = world.a.owner, world.a.person
    client.force_login(owner)
    client.post(reverse("privacy:erasure_request"), {"reason": "Tutup usaha"})
    client.post(reverse("privacy:erasure_request"))
    request = ErasureRequest.objects.get()
    assert (request.status, request.centre, request.requested_by) == (
        "requested",
        world.a.centre,
        owner,
    )
    before = _statistics()
    old_name = person.full_name

    # Another centre's manager cannot see or complete it.
    manager_b = client.__class__()
    manager_b.force_login(world.b.manager)
    assert "Tutup usaha" not in manager_b.get(reverse("privacy:erasure_list")).content.decode()
    assert manager_b.post(reverse("privacy:erasure_complete", args=[request.pk])).status_code == 404

    manager = client.__class__()
    manager.force_login(world.a.manager)
    assert "Tutup usaha" in manager.get(reverse("privacy:erasure_list")).content.decode()
    manager.post(reverse("privacy:erasure_complete", args=[request.pk]))

    person.refresh_from_db()
    assert (person.full_name, person.nik, person.phone, person.email, person.user) == (
        "(dihapus)",
        None,
        "",
        "",
        None,
    )
    booking = Booking.objects.get(pk=world.a.booking.pk)
    assert (booking.contact_phone, booking.contact_email, booking.description) == ("", "", "")
    user = User.objects.get(pk=owner.pk)
    assert not user.is_active and not user.has_usable_password()
    assert user.email == "" and owner.username not in user.username
    # The owner's session is over.
    assert client.get(reverse("owner:home")).status_code == 302
    # The statistics are exactly as before.
    assert _statistics() == before
    # The record of the request and its completion.
    request.refresh_from_db()
    assert request.status == "completed" and request.completed_by == world.a.manager
    assert request.summary["persons"] == 1 and request.summary["bookings"] == 1
    # The old name no longer sits in the audit trail.
    trail = LogEntry.objects.get_for_object(person)
    assert trail.exists()
    assert all(old_name not in json.dumps(entry.changes) for entry in trail)
    # The world b owner is untouched.
    assert Person.objects.get(pk=world.b.person.pk).full_name != "(dihapus)"


def test_a_completed_request_is_not_completed_twice(client, world):
    request = erasure_request(user=world.a.owner)
    client.force_login(world.national)
    client.post(reverse("privacy:erasure_complete", args=[request.pk]))
    response = client.post(reverse("privacy:erasure_complete", args=[request.pk]), follow=True)
    assert "sudah diselesaikan" in response.content.decode()


def test_the_erasure_list_costs_the_same_queries_for_one_or_many(client, world):
    erasure_request(user=world.a.owner)
    client.force_login(world.national)
    one = _queries(client, reverse("privacy:erasure_list"))
    erasure_request(user=world.b.owner)
    assert _queries(client, reverse("privacy:erasure_list")) == one


# --- Consent versions -------------------------------------------------------------------------


def test_bookings_and_accounts_keep_the_version_they_accepted(world, client):
    """A new consent version does not change what earlier bookings and accounts agreed to
    (the booking and signup tests check the version is stored: tests/mentoring/
    test_booking_public.py::test_a_booking_is_saved_with_its_client_and_consent, tests/plut/
    test_owner_accounts.py::test_signup_creates_an_unverified_owner_with_the_consent_version)."""
    old = ConsentText.objects.create(version="2025-01", body="lama", published_at=timezone.now())
    Booking.objects.filter(pk=world.a.booking.pk).update(consent=old)
    User.objects.filter(pk=world.a.owner.pk).update(consent=old, consent_at=timezone.now())
    ConsentText.objects.create(version="2099-01", body="baru", published_at=timezone.now())
    assert Booking.objects.get(pk=world.a.booking.pk).consent.version == "2025-01"
    assert User.objects.get(pk=world.a.owner.pk).consent.version == "2025-01"
    client.force_login(world.a.owner)
    data = json.loads(client.get(reverse("privacy:my_data_json")).content)
    assert data["account"]["consent_version"] == "2025-01"
    assert data["bookings"][0]["consent__version"] == "2025-01"


@pytest.mark.parametrize("url", ["/accounts/me/", "/privasi/data-saya/", "/privasi/data-saya.json"])
def test_a_superuser_is_not_an_owner_on_the_owners_own_pages(client, world, url):
    # Through the national scope "my data" would be the whole country's.
    admin = User.objects.create_superuser(
        "root-admin", "root@example.id", "rahasia-123", role=Role.NATIONAL
    )
    client.force_login(admin)
    assert client.get(url).status_code == 403
    client.force_login(world.a.owner)
    assert client.get(url).status_code == 200
