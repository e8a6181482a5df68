"""What the centre tells people, and when: booking notices, reminders, consultants' agendas,
nudges about unconfirmed bookings. Every message goes through the outbox
(``plut.foundation.messaging.services.message_queue``) under a key that makes it unique, so each
producer below can run as often as beat likes: what was queued once is never queued again.

Times in messages are on the centre's clock with its WIB/WITA/WIT label (``in_zone``); the
text is in the recipient's language (the booking's, or the user's).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from icalendar import Calendar, Event, vCalAddress, vText

from clinics.models import Centre, StaffMembership
from mentoring.models import Booking, BookingStatus, FollowUp, Mode
from mentoring.selectors.bookings import manage_token
from plut.foundation.accounts.models import Role
from plut.foundation.core.calendar import closed_days
from plut.foundation.messaging.channels import contact_choose
from plut.foundation.messaging.models import Channel, Message
from plut.foundation.messaging.services import Attachment, message_queue, user_language


class BookingNotice(StrEnum):
    RECEIVED = "received"
    CONFIRMED = "confirmed"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    DECLINED = "declined"


# Which notices cancel the calendar entry rather than (re)send it.
CANCELLING = {BookingNotice.CANCELLED, BookingNotice.DECLINED}

# Reminders before a confirmed booking: (kind, how long before, until how long before).
# The "until" keeps a reminder from going out absurdly late (a 24-hour reminder 1 hour ahead).
REMINDERS = (
    ("reminder-24h", datetime.timedelta(hours=24), datetime.timedelta(hours=3)),
    ("reminder-2h", datetime.timedelta(hours=2), datetime.timedelta(minutes=0)),
)


def booking_calendar(booking: Booking, notice: BookingNotice) -> bytes:
    """An iCalendar invite (RFC 5545): REQUEST for a booking, CANCEL when it is off; TENTATIVE
    while the centre has not confirmed it; organised by the centre; the video room of a
    confirmed online booking as its URL."""
    calendar = Calendar()
    calendar.add("prodid", "-//PLUT KUMKM//Portal//ID")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if notice in CANCELLING else "REQUEST")
    event = Event()
    event.add("uid", f"booking-{booking.pk}@plut-kumkm")
    # Each change must carry a higher sequence for calendars to replace the old entry.
    event.add("sequence", booking.calendar_sequence)
    event.add("dtstamp", datetime.datetime.now(datetime.UTC))
    event.add("dtstart", booking.starts_at.astimezone(datetime.UTC))
    event.add("dtend", booking.ends_at.astimezone(datetime.UTC))
    event.add("summary", f"Konsultasi {booking.service_area.name_id} · {booking.centre.name}")
    event.add("location", booking.centre.address or booking.centre.name)
    organizer = vCalAddress(f"mailto:{booking.centre.email or settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(booking.centre.name)
    event.add("organizer", organizer)
    if notice in CANCELLING:
        status = "CANCELLED"
    elif booking.status == BookingStatus.CONFIRMED:
        status = "CONFIRMED"
    else:
        status = "TENTATIVE"
    event.add("status", status)
    room = booking_room(booking)
    if room:
        event.add("url", room)
        event.add("description", room)
    calendar.add_component(event)
    return calendar.to_ical()


def manage_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse("booking:manage", args=[manage_token(booking)])


def booking_video_link(booking: Booking) -> str:
    """The video room of an online booking: the one staff set, or one derived from the
    booking (unguessable: signed with the secret key), on MESSAGING_VIDEO_ROOM_URL."""
    if booking.meeting_link:
        return booking.meeting_link
    room = salted_hmac("mentoring.booking.video", str(booking.pk)).hexdigest()[:20]
    return settings.MESSAGING_VIDEO_ROOM_URL.format(room=room)


def booking_room(booking: Booking) -> str:
    """The video room to show the owner: once an online booking is confirmed, else none (a
    room for a time the centre has not agreed to would only mislead)."""
    if booking.mode != Mode.ONLINE or booking.status != BookingStatus.CONFIRMED:
        return ""
    return booking_video_link(booking)


def _booking_addresses(booking: Booking) -> tuple[str, str]:
    """(email, phone) of the owner of ``booking``."""
    # The contact typed with the booking; bookings made by staff (or before it existed) fall
    # back to the owner's details on file.
    if booking.contact_email or booking.contact_phone:
        return booking.contact_email, booking.contact_phone
    owner = booking.enterprise.owner
    return owner.email, owner.phone


def booking_contact(booking: Booking) -> tuple[str, str] | None:
    """(channel, address) for the owner of ``booking``, or None when there is nobody to tell."""
    email, phone = _booking_addresses(booking)
    return contact_choose(
        email=email, phone=phone, preferred=booking.preferred_channel, centre_id=booking.centre_id
    )


def _booking_message(
    booking: Booking,
    *,
    key: str,
    kind: str,
    template: str,
    whatsapp_template: str,
    attachments: tuple[Attachment, ...] = (),
    **extra: object,
) -> None:
    contact = booking_contact(booking)
    if contact is None:
        return
    channel, address = contact
    email, _phone = _booking_addresses(booking)
    message_queue(
        key=key,
        kind=kind,
        to=address,
        channel=channel,
        language=booking.language,
        template=template,
        context={
            "booking": booking,
            "manage_url": manage_url(booking),
            "video_link": booking_room(booking),
            **extra,
        },
        centre=booking.centre,
        about=booking,
        attachments=attachments if channel == Channel.EMAIL else (),
        # WhatsApp sends the approved template (plut.foundation.messaging.whatsapp_templates);
        # if it fails, the owner's email (when no SMS) gets the short text instead.
        whatsapp_template=whatsapp_template,
        fallback_email=email,
    )


def booking_notice_send(*, booking_id: int, notice: str) -> None:
    """Put the notice about a change to a booking in the outbox (with its calendar invite)."""
    booking = Booking.objects.select_related("service_area", "enterprise__owner", "consultant").get(
        pk=booking_id
    )
    _notice(booking, BookingNotice(notice))


def booking_notify_new(booking: Booking) -> None:
    """Queue the notice of a booking just made, in the caller's transaction, from the booking
    as it was written: read back with its relations, its join was a noticeable share of the
    booking's time (docs/performance.md#measurements-behind-the-codes-shape). What it lacks (its
    consultant) is read by key."""
    _notice(
        booking,
        BookingNotice.CONFIRMED
        if booking.status == BookingStatus.CONFIRMED
        else BookingNotice.RECEIVED,
    )


def _notice(booking: Booking, kind: BookingNotice) -> None:
    # The centre and its province come from those each process keeps (clinics.models.CentreKey):
    # joined, seven tables took PostgreSQL longer to plan than the booking took to write.
    # A booking may be rescheduled many times: each change is its own message.
    stamp = booking.updated_at.strftime("%Y%m%d%H%M%S%f")
    _booking_message(
        booking,
        key=f"booking:{booking.pk}:{kind.value}:{stamp}",
        kind=f"booking-{kind.value}",
        template="mentoring/email/booking",
        whatsapp_template=f"booking_{kind.value}",
        notice=kind.value,
        attachments=(
            Attachment("konsultasi-plut.ics", booking_calendar(booking, kind), "text/calendar"),
        ),
    )


def booking_notify_later(booking: Booking, notice: BookingNotice) -> None:
    """Queue the notice in the caller's transaction: it is sent once that commits."""
    booking_notice_send(booking_id=booking.pk, notice=notice.value)


def _missing(keys: list[str]) -> set[str]:
    """Which of ``keys`` are not in the outbox yet (one query, so producers stay cheap)."""
    return set(keys) - set(Message.objects.filter(key__in=keys).values_list("key", flat=True))


def booking_reminders_queue(*, now: datetime.datetime | None = None) -> int:
    """Queue the 24-hour and 2-hour reminders now due. Returns how many were queued."""
    now = now or timezone.now()
    bookings = Booking.objects.filter(
        status=BookingStatus.CONFIRMED,
        starts_at__gt=now,
        starts_at__lte=now + REMINDERS[0][1],
    ).select_related("centre__province", "service_area", "enterprise__owner")
    due: dict[str, tuple[Booking, str]] = {}
    for booking in bookings:
        for kind, before, until in REMINDERS:
            if booking.starts_at - before <= now < booking.starts_at - until:
                # The start time is in the key: a rescheduled booking is reminded again.
                key = f"booking:{booking.pk}:{kind}:{booking.starts_at:%Y%m%d%H%M}"
                due[key] = (booking, kind)
    missing = _missing(list(due))
    for key in missing:
        booking, kind = due[key]
        _booking_message(
            booking,
            key=key,
            kind=kind,
            template="mentoring/email/reminder",
            whatsapp_template=kind.replace("-", "_"),  # reminder_24h, reminder_2h
        )
    return len(missing)


def _local(now: datetime.datetime, centre: Centre) -> datetime.datetime:
    return timezone.localtime(now, ZoneInfo(centre.timezone))


def _day_bounds(day: datetime.date, zone: str) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(zone))
    return start, start + datetime.timedelta(days=1)


def consultant_agendas_queue(*, now: datetime.datetime | None = None) -> int:
    """Each staff member's day, once the centre's clock passes the agenda hour (06:00).

    One message per person per local day (the date is in the key): today's confirmed bookings,
    follow-ups due tomorrow and those overdue. Nothing on either list, no message.
    """
    now = now or timezone.now()
    queued = 0
    centres = Centre.objects.select_related("province")
    for centre in centres:
        local = _local(now, centre)
        if local.hour < settings.MESSAGING_AGENDA_HOUR:
            continue
        today = local.date()
        start, end = _day_bounds(today, centre.timezone)
        bookings = defaultdict(list)
        for booking in Booking.objects.filter(
            centre=centre,
            status=BookingStatus.CONFIRMED,
            starts_at__gte=start,
            starts_at__lt=end,
            consultant__isnull=False,
        ).select_related("service_area", "enterprise"):
            bookings[booking.consultant_id].append(booking)
        follow_ups = defaultdict(list)
        for follow_up in FollowUp.objects.filter(
            session__centre=centre,
            done_at__isnull=True,
            due_on__lte=today + datetime.timedelta(days=1),
        ).select_related("session"):
            follow_ups[follow_up.assignee_id].append(follow_up)
        people = {user_id for user_id in set(bookings) | set(follow_ups) if user_id is not None}
        keys = {f"agenda:{user_id}:{today:%Y-%m-%d}": user_id for user_id in people}
        missing = _missing(list(keys))
        users = {
            m.user_id: m.user
            for m in StaffMembership.objects.filter(
                user_id__in=[keys[k] for k in missing], user__is_active=True
            ).select_related("user")
        }
        for key in sorted(missing):
            user = users.get(keys[key])
            if user is None or not user.email:
                continue
            mine = follow_ups[user.pk]
            message_queue(
                key=key,
                kind="agenda",
                to=user.email,
                language=user_language(user),
                template="mentoring/email/agenda",
                context={
                    "user": user,
                    "centre": centre,
                    "today": today,
                    "bookings": bookings[user.pk],
                    "due_tomorrow": [f for f in mine if f.due_on > today],
                    "due_today": [f for f in mine if f.due_on == today],
                    "overdue": [f for f in mine if f.due_on < today],
                    "site_url": settings.SITE_URL,
                },
                centre=centre,
            )
            queued += 1
    return queued


def working_day_after(moment: datetime.datetime, zone: str) -> datetime.datetime:
    """The same clock time on the next working day (no weekends, no Indonesian holidays)."""
    local = timezone.localtime(moment, ZoneInfo(zone))
    closed = closed_days(local.date(), datetime.date(local.year + 1, 12, 31))
    day = local.date() + datetime.timedelta(days=1)
    while day.weekday() >= 5 or day in closed:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, local.time(), tzinfo=ZoneInfo(zone))


def unconfirmed_nudges_queue(*, now: datetime.datetime | None = None) -> int:
    """Tell a centre's managers about bookings still unconfirmed a working day after they
    were made. Once per booking and manager."""
    now = now or timezone.now()
    # Nothing made in the last day can be a working day old; anything older may be.
    candidates = Booking.objects.filter(
        status=BookingStatus.REQUESTED,
        created_at__lte=now - datetime.timedelta(days=1),
        starts_at__gt=now,
    ).select_related("centre__province", "service_area", "enterprise")
    overdue = [b for b in candidates if working_day_after(b.created_at, b.centre.timezone) <= now]
    if not overdue:
        return 0
    managers = defaultdict(list)
    for membership in (
        StaffMembership.objects.filter(
            centre_id__in={b.centre_id for b in overdue},
            user__role=Role.MANAGER,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
    ):
        managers[membership.centre_id].append(membership.user)
    due = {
        f"booking:{booking.pk}:unconfirmed-nudge:{manager.pk}": (booking, manager)
        for booking in overdue
        for manager in managers[booking.centre_id]
    }
    missing = _missing(list(due))
    for key in sorted(missing):
        booking, manager = due[key]
        message_queue(
            key=key,
            kind="unconfirmed-nudge",
            to=manager.email,
            language=user_language(manager),
            template="mentoring/email/unconfirmed",
            context={
                "booking": booking,
                "user": manager,
                "inbox_url": settings.SITE_URL + reverse("mentoring:inbox"),
            },
            centre=booking.centre,
            about=booking,
        )
    return len(missing)
