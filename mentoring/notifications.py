"""Telling an owner what happened to their booking: an email with a calendar invite.

Messages are sent by a Celery task queued after the transaction commits, so a worker never
reads a booking that was rolled back. (The background-jobs work adds an outbox, reminders and
WhatsApp/SMS; this module is the one place bookings call.)
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar, Event

from mentoring.bookings import manage_token
from mentoring.models import Booking


class BookingNotice(StrEnum):
    RECEIVED = "received"
    CONFIRMED = "confirmed"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    DECLINED = "declined"


# Which notices cancel the calendar entry rather than (re)send it.
CANCELLING = {BookingNotice.CANCELLED, BookingNotice.DECLINED}


def booking_calendar(booking: Booking, notice: BookingNotice) -> bytes:
    """An iCalendar invite (RFC 5545): REQUEST for a booking, CANCEL when it is off."""
    calendar = Calendar()
    calendar.add("prodid", "-//PLUT KUMKM//Portal//ID")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if notice in CANCELLING else "REQUEST")
    event = Event()
    event.add("uid", f"booking-{booking.pk}@plut-kumkm")
    # Each change must carry a higher sequence for calendars to replace the old entry.
    event.add("sequence", int(booking.updated_at.timestamp()))
    event.add("dtstamp", datetime.datetime.now(datetime.UTC))
    event.add("dtstart", booking.starts_at.astimezone(datetime.UTC))
    event.add("dtend", booking.ends_at.astimezone(datetime.UTC))
    event.add("summary", f"Konsultasi {booking.service_area.name_id} · {booking.centre.name}")
    event.add("location", booking.centre.address or booking.centre.name)
    event.add("status", "CANCELLED" if notice in CANCELLING else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def manage_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse("booking:manage", args=[manage_token(booking)])


def booking_notice_send(*, booking_id: int, notice: str) -> bool:
    """Send one notice now (called by the task). False when there is nobody to tell."""
    booking = Booking.objects.select_related(
        "centre__province", "service_area", "enterprise__owner", "consultant"
    ).get(pk=booking_id)
    # Bookings made by staff or before this field existed fall back to the owner's email.
    email = booking.contact_email or booking.enterprise.owner.email
    if not email:
        # WhatsApp and SMS come with the background-jobs work; email is the channel for now.
        return False
    kind = BookingNotice(notice)
    # Owners read Indonesian first; the language switch is per browser, not per booking yet.
    with translation.override(settings.LANGUAGE_CODE):
        context = {"booking": booking, "notice": kind.value, "manage_url": manage_url(booking)}
        subject = render_to_string("mentoring/email/booking_subject.txt", context).strip()
        body = render_to_string("mentoring/email/booking_body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[email])
    message.attach("konsultasi-plut.ics", booking_calendar(booking, kind), "text/calendar")
    message.send()
    return True


def booking_notify_later(booking: Booking, notice: BookingNotice) -> None:
    """Queue the notice for after the current transaction commits."""
    from mentoring.tasks import booking_notice

    transaction.on_commit(lambda: booking_notice.delay(booking.pk, notice.value))
