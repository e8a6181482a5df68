"""The public booking form looks nothing up: what a visitor types never finds, reveals or adds
to someone else's records. Only a signed-in owner with a verified email is matched, to their
own businesses; everything else gets records of its own, exactly as typed, and staff link it
to the record they recognise (the booking's page lists the likely duplicates; the merge links).

The desk is Sulawesi Selatan's centre (side b of the test world); side a is Lampung's."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Enterprise, Person
from mentoring.models import Booking
from mentoring.selectors.bookings import manage_token
from tests.factories.mentoring import BookingFactory
from tests.mentoring.test_booking_public import FORM, _details_url, _wita, booking_desk

desk = booking_desk  # the booking pages' desk, as this module's tests name it

# What the visitor types: FORM (Kopi Toraja Sapan, Daeng Rahman, rahman@example.id) with one
# detail of the registered owner below.
REGISTERED_NAME = "Toko Kue Ibu Ratna"
REGISTERED_OWNER = "Ratna Sari Dewi"
REGISTERED_EMAIL = "ratna.dewi@contoh.id"
REGISTERED_PHONE = "+6281377778888"


@pytest.fixture(autouse=True)
def eager_celery(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


def _registered(world, side: str) -> Enterprise:
    """A side's enterprise and owner with names and contacts a page could give away."""
    enterprise = getattr(world, side).enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(name=REGISTERED_NAME)
    Person.objects.filter(pk=enterprise.owner_id).update(
        full_name=REGISTERED_OWNER, email=REGISTERED_EMAIL, phone=REGISTERED_PHONE
    )
    enterprise.refresh_from_db()
    return enterprise


def _typed(detail: str, enterprise: Enterprise) -> dict[str, str]:
    """FORM with the registered owner's NIB, phone or email."""
    return {
        "nib": {"nib": enterprise.nib},
        "phone": {"phone": "0813-7777-8888"},
        "email": {"email": REGISTERED_EMAIL},
    }[detail]


def _book(client, desk, django_capture_on_commit_callbacks, **changes) -> Booking:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_details_url(desk, _wita(30, 10)), {**FORM, **changes})
    assert response.status_code == 302, response.content.decode()
    return Booking.objects.get(starts_at=_wita(30, 10))


# Another owner's NIB anywhere in the country, or their phone or email at this centre (what
# the booking once matched by).
KNOWN = [("nib", "a"), ("nib", "b"), ("phone", "b"), ("email", "b")]


@pytest.mark.parametrize(("detail", "side"), KNOWN)
def test_an_anonymous_booking_with_another_owners_details_links_nothing_of_theirs(
    client, desk, world, django_capture_on_commit_callbacks, detail, side
):
    registered = _registered(world, side)
    booking = _book(client, desk, django_capture_on_commit_callbacks, **_typed(detail, registered))
    assert booking.enterprise != registered
    assert booking.enterprise.owner != registered.owner
    assert booking.enterprise.name == "Kopi Toraja Sapan"
    assert booking.enterprise.owner.full_name == "Daeng Rahman"
    assert not registered.bookings.exists()
    if detail == "nib":
        # The NIB stays with its record; the booking keeps it as typed, for staff.
        assert booking.enterprise.nib is None
        assert booking.contact_nib == registered.nib


@pytest.mark.parametrize(("detail", "side"), KNOWN)
def test_the_pages_email_and_calendar_show_nothing_of_the_existing_record(
    client, desk, world, django_capture_on_commit_callbacks, detail, side
):
    registered = _registered(world, side)
    booking = _book(client, desk, django_capture_on_commit_callbacks, **_typed(detail, registered))
    token = manage_token(booking)
    pages = {
        "done": client.get(reverse("booking:done", args=[token])).content.decode(),
        "manage": client.get(reverse("booking:manage", args=[token])).content.decode(),
        "calendar": client.get(reverse("booking:calendar", args=[token])).content.decode(),
        "email": "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox),
    }
    assert mail.outbox, "the notice was sent"
    hidden = [REGISTERED_NAME, REGISTERED_OWNER]
    if detail != "email":
        # The address typed is the visitor's own; the registered one, even masked, is not.
        hidden += [REGISTERED_EMAIL, "ra***@contoh.id"]
    for name, text in pages.items():
        for secret in hidden:
            assert secret not in text, (name, secret)
    assert "Kopi Toraja Sapan" in pages["done"] and "Kopi Toraja Sapan" in pages["manage"]
    assert "Yth. Daeng Rahman," in pages["email"]


@pytest.mark.parametrize("detail", ["nib", "phone", "email"])
def test_the_booking_does_not_appear_on_the_real_owners_page(
    client, desk, world, django_capture_on_commit_callbacks, detail
):
    registered = _registered(world, "b")
    booking = _book(client, desk, django_capture_on_commit_callbacks, **_typed(detail, registered))
    client.force_login(world.b.owner)
    page = client.get(reverse("owner:home"))
    assert page.status_code == 200
    assert booking not in page.context["bookings"]
    assert reverse("booking:manage", args=[manage_token(booking)]) not in page.content.decode()


def test_the_open_bookings_cap_counts_only_bookings_made_with_the_contact(
    client, desk, world, django_capture_on_commit_callbacks
):
    # The registered owner has bookings at the cap, made by staff: a visitor typing their
    # phone must not be told "you already have 2 bookings".
    registered = _registered(world, "b")
    for hour in (9, 10):
        BookingFactory(
            enterprise=registered,
            centre=desk.centre,
            starts_at=_wita(31, hour),
            ends_at=_wita(31, hour + 1),
        )
    booking = _book(client, desk, django_capture_on_commit_callbacks, phone="0813-7777-8888")
    assert booking.enterprise != registered


# --- A signed-in owner proves who they are ------------------------------------------------


def _verified(user) -> None:
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])


@pytest.mark.parametrize("by", ["nib", "name"])
def test_a_signed_in_owner_booking_for_their_own_enterprise_links_to_it(
    client, desk, world, django_capture_on_commit_callbacks, by
):
    own = _registered(world, "b")
    _verified(world.b.owner)
    client.force_login(world.b.owner)
    records = (Enterprise.objects.count(), Person.objects.count())
    typed = {"nib": own.nib} if by == "nib" else {"name": REGISTERED_NAME.upper()}
    booking = _book(client, desk, django_capture_on_commit_callbacks, **typed)
    assert booking.enterprise == own
    assert (Enterprise.objects.count(), Person.objects.count()) == records
    page = client.get(reverse("owner:home"))
    assert booking in page.context["bookings"]


def test_a_signed_in_owner_with_a_new_business_adds_it_to_their_own_record(
    client, desk, world, django_capture_on_commit_callbacks
):
    _verified(world.b.owner)
    client.force_login(world.b.owner)
    booking = _book(client, desk, django_capture_on_commit_callbacks)
    assert booking.enterprise.name == "Kopi Toraja Sapan"
    assert booking.enterprise.owner == world.b.person


def test_an_owner_whose_email_is_not_verified_is_matched_to_nothing(
    client, desk, world, django_capture_on_commit_callbacks
):
    own = _registered(world, "b")
    world.b.owner.email_verified_at = None
    world.b.owner.save(update_fields=["email_verified_at"])
    client.force_login(world.b.owner)
    booking = _book(client, desk, django_capture_on_commit_callbacks, nib=own.nib)
    assert booking.enterprise != own
    assert booking.enterprise.owner != own.owner


def test_a_signed_in_owner_is_never_matched_to_another_owners_enterprise(
    client, desk, world, django_capture_on_commit_callbacks
):
    theirs = _registered(world, "b")
    _verified(world.a.owner)
    client.force_login(world.a.owner)
    booking = _book(client, desk, django_capture_on_commit_callbacks, nib=theirs.nib)
    assert booking.enterprise != theirs
    assert booking.enterprise.owner == world.a.person  # a new business of their own


# --- Staff link it --------------------------------------------------------------------------


def test_staff_see_the_likely_duplicate_and_link_it(
    client, desk, world, django_capture_on_commit_callbacks
):
    registered = _registered(world, "b")
    booking = _book(client, desk, django_capture_on_commit_callbacks, nib=registered.nib)
    own_record = booking.enterprise
    detail = reverse("mentoring:booking_detail", args=[booking.pk])
    link = reverse("mentoring:enterprise_merge", args=[registered.pk])
    link += f"?remove={own_record.pk}"

    client.force_login(world.b.consultant)
    body = client.get(detail).content.decode()
    assert "Kemungkinan UMKM yang sama" in body
    assert REGISTERED_NAME in body and "NIB sama" in body
    assert link not in body  # a consultant sees it; a manager links it
    assert "Manajer PLUT dapat menautkannya." in body

    client.force_login(world.b.manager)
    body = client.get(detail).content.decode()
    assert link in body
    assert "Periksa sebelum menggabungkan" in client.get(link).content.decode()
    response = client.post(
        reverse("mentoring:enterprise_merge", args=[registered.pk]), {"remove": own_record.pk}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.enterprise == registered
    assert not Enterprise.objects.filter(pk=own_record.pk).exists()

    # Linked by staff, the booking is the owner's; its link still shows only what was typed.
    client.logout()
    manage = client.get(reverse("booking:manage", args=[manage_token(booking)]))
    assert REGISTERED_NAME not in manage.content.decode()
    assert "Kopi Toraja Sapan" in manage.content.decode()
    client.force_login(world.b.owner)
    assert booking in client.get(reverse("owner:home")).context["bookings"]


def test_another_centres_staff_are_offered_nothing_of_theirs(
    client, desk, world, django_capture_on_commit_callbacks
):
    # The NIB is registered in Lampung: Sulawesi Selatan's manager neither sees nor links it.
    registered = _registered(world, "a")
    booking = _book(client, desk, django_capture_on_commit_callbacks, nib=registered.nib)
    client.force_login(world.b.manager)
    body = client.get(reverse("mentoring:booking_detail", args=[booking.pk])).content.decode()
    assert REGISTERED_NAME not in body
    assert "Kemungkinan UMKM yang sama" not in body
    assert registered.nib in body  # the NIB typed, for staff to follow up
