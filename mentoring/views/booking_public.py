"""Public booking pages for owners, no account needed: choose a slot, give your details, and
later reschedule or cancel through the signed link sent with the confirmation.

The views are thin: slots, booking, rescheduling and cancelling are
``mentoring.selectors.bookings``; messages are ``mentoring.services.notifications``. Every time is
shown on the centre's clock with its WIB/WITA/WIT label, whatever the phone's zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from clinics.centre_cache import centres_by_id
from clinics.models import Centre, ServiceArea
from clinics.selectors import centres_taking_bookings
from mentoring.forms.booking import (
    BOOKABLE_MODES,
    BookingCancelForm,
    BookingDetailsForm,
    BookingStartForm,
)
from mentoring.models import Booking, BookingStatus
from mentoring.selectors.bookings import (
    MANAGE_SALT,
    SlotTaken,
    booking_from_token,
    booking_owner,
    manage_token,
    owner_may_change,
    slots_for,
)
from mentoring.services import notifications
from mentoring.services.bookings import (
    OWNER_TOO_LATE,
    booking_cancel_by_owner,
    booking_request,
    booking_reschedule,
)
from mentoring.services.notifications import BookingNotice
from mentoring.slots import Slot
from plut.foundation.accounts import lockout
from plut.foundation.accounts.consent import consent_current
from plut.foundation.core.dates import utc_in_range
from plut.foundation.core.markup import escape
from plut.foundation.core.ratelimit import hit

RATE_WINDOW_SECONDS = 3600
TAKEN = gettext_noop("Maaf, slot ini baru saja diambil orang lain. Silakan pilih waktu lain:")


# --- Slots as the pages show them -----------------------------------------------------------


@dataclass(frozen=True)
class SlotDay:
    date: datetime.date  # the centre's calendar day
    label: str  # "Senin, 30 November 2026"
    weekday: str  # "Sen", on the day picker
    short: str  # "30 Nov", on the day picker
    count: int  # free times that day
    items: SafeString  # its slots as <li> elements (_slot_days)


def _slot_value(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_slot(value: str) -> datetime.datetime | None:
    """A slot start sent back by a page, in UTC, or None when it is not an aware ISO 8601
    moment. A ValidationError when it lies outside the years the portal processes: a slot
    no page offers, which the slot engine cannot place on a centre's calendar."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return utc_in_range(moment)


def _slot_days(
    slots: list[Slot],
    *,
    zone: str,
    zone_label: str,
    area: ServiceArea,
    mode: str,
    skip: datetime.datetime | None,
    details_url: str | None,
) -> list[SlotDay]:
    """Slots grouped by the centre's calendar day (days without a slot are left out), each
    day's as <li> elements: links to step 2 at ``details_url``, or without it buttons that
    ask to move the booking there (rescheduling, confirmed on the manage page).

    Written here rather than looped over in the template: a month holds over a hundred slots,
    and the template's loop over them cost more than finding them
    (docs/performance.md#measurements-behind-the-codes-shape)."""
    tz = ZoneInfo(zone)
    by_day: dict[datetime.date, list[tuple[datetime.datetime, str]]] = {}
    for slot in slots:
        if slot.starts_at != skip:
            local = slot.starts_at.astimezone(tz)
            by_day.setdefault(local.date(), []).append((local, _slot_value(slot.starts_at)))
    # Encoded once, not per slot. A slot's value (_slot_value) holds digits, "-", "T", ":"
    # and "Z", of which only ":" is encoded.
    link = details_url and escape(f"{details_url}?{urlencode({'area': area.code, 'mode': mode})}")
    zone_text = escape(zone_label)
    days = []
    for day, choices in by_day.items():
        label = formats.date_format(day, "l, j F Y")
        # The day, for screen readers: "10:00 WITA" alone does not say which day.
        hidden = f'<span class="visually-hidden">{escape(label)}, </span>'
        if link:
            items = (
                f'<li><a class="slot" href="{link}&amp;slot={value.replace(":", "%3A")}">'
                f"{hidden}{local:%H:%M} {zone_text}</a></li>"
                for local, value in choices
            )
        else:
            items = (
                f'<li><button type="submit" name="slot" value="{value}" class="slot">'
                f"{hidden}{local:%H:%M} {zone_text}</button></li>"
                for local, value in choices
            )
        days.append(
            SlotDay(
                date=day,
                label=label,
                weekday=formats.date_format(day, "D"),
                short=formats.date_format(day, "j M"),
                count=len(choices),
                items=mark_safe("".join(items)),
            )
        )
    return days


def _slot_context(
    centre: Centre,
    area: ServiceArea,
    mode: str,
    *,
    ignore: Booking | None = None,
) -> dict[str, object]:
    offer = slots_for(centre=centre, area=area, ignore_booking=ignore)
    # Rescheduling ``ignore`` (the manage page) posts a slot; booking links to step 2.
    reschedule = ignore is not None
    zone_label = centre.timezone_label
    return {
        "days": _slot_days(
            offer.slots,
            zone=centre.timezone,
            zone_label=zone_label,
            area=area,
            mode=mode,
            skip=ignore.starts_at if reschedule else None,
            details_url=None if reschedule else reverse("booking:details", args=[centre.pk]),
        ),
        "area": area,
        "mode": mode,
        "zone_label": zone_label,
        "reschedule": reschedule,
    }


def _centre_or_404(pk: int) -> Centre:
    """An active centre, with its province, from the centres each process keeps."""
    centre = centres_by_id([pk]).get(pk)
    if centre is None or not centre.is_active:
        raise Http404
    return centre


def _areas_of(centre: Centre) -> QuerySet[ServiceArea]:
    return centre.service_areas.filter(is_active=True)


def _bookable_areas(centre: Centre) -> list[ServiceArea]:
    """The areas to choose from: none at a centre nobody can be booked with, whose page then
    offers its contact instead of areas that lead nowhere."""
    return list(_areas_of(centre)) if centres_taking_bookings([centre.pk]) else []


# --- Step 1: area, mode and a free slot -----------------------------------------------------


@require_safe
@vary_on_headers("HX-Request")
def booking_start(request: HttpRequest, centre_pk: int) -> HttpResponse:
    centre = _centre_or_404(centre_pk)
    areas = _bookable_areas(centre)
    if "mode" in request.GET:
        form = BookingStartForm(request.GET, areas=areas)
    else:
        # An area alone (chosen in the directory, or first of the two here) is only a start:
        # no error for the mode not chosen yet.
        form = BookingStartForm(initial={"area": request.GET.get("area")}, areas=areas)
    context: dict[str, object] = {"centre": centre, "form": form, "areas": areas, "days": None}
    if form.is_valid():
        context |= _slot_context(centre, form.cleaned_data["area"], form.cleaned_data["mode"])
    # htmx swaps only the slot list; a history restore (back button, cache miss) needs the page.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "mentoring/booking/_slots.html", context)
    return render(request, "mentoring/booking/start.html", context)


# --- Step 2: the owner's details ------------------------------------------------------------


def _over_rate_limit(request: HttpRequest, contacts: list[str]) -> bool:
    """Count this booking attempt per client IP and per phone/email; True when over a limit."""
    per_ip = getattr(settings, "RATELIMIT_BOOKING_PER_IP", 10)
    per_contact = getattr(settings, "RATELIMIT_BOOKING_PER_CONTACT", 5)
    ip = request.META.get("REMOTE_ADDR", "")
    # Every key is counted, even once one is over, so a blocked sender stays blocked.
    allowed = [hit(f"booking:ip:{ip}", limit=per_ip, window_seconds=RATE_WINDOW_SECONDS)]
    allowed += [
        hit(f"booking:{contact}", limit=per_contact, window_seconds=RATE_WINDOW_SECONDS)
        for contact in contacts
    ]
    return not all(allowed)


@require_http_methods(["GET", "POST"])
def booking_details(request: HttpRequest, centre_pk: int) -> HttpResponse:
    centre = _centre_or_404(centre_pk)
    # Step 2's address is made by step 1; a broken or forged one is simply not a page.
    area = get_object_or_404(_areas_of(centre), code=request.GET.get("area", ""))
    mode = request.GET.get("mode", "")
    if mode not in dict(BOOKABLE_MODES):
        raise Http404
    try:
        starts_at = _parse_slot(request.GET.get("slot", ""))
    except ValidationError as problem:
        return _slot_refused(request, centre, area, mode, problem)
    if starts_at is None:
        raise Http404
    consent = consent_current()
    context: dict[str, object] = {
        "centre": centre,
        "area": area,
        "mode": mode,
        "mode_label": dict(BOOKABLE_MODES)[mode],
        "starts_at": starts_at,
        "starts_day": starts_at.astimezone(ZoneInfo(centre.timezone)).date(),
        "start_url": reverse("booking:start", args=[centre.pk])
        + "?"
        + urlencode({"area": area.code, "mode": mode}),
    }

    if request.method == "GET":
        if not slots_for(centre=centre, area=area, at=starts_at).slots:
            return _slot_gone(request, centre, area, mode, context, taken=False)
        form = BookingDetailsForm(
            initial=_draft_of(request, centre), centre=centre, consent_text=consent
        )
        return render(request, "mentoring/booking/details.html", context | {"form": form})

    form = BookingDetailsForm(request.POST, centre=centre, consent_text=consent)
    if form.is_bot:
        # Say thanks and save nothing: a bot learns nothing from the answer.
        return render(request, "mentoring/booking/done.html", {"booking": None})
    if form.is_valid():
        if _over_rate_limit(request, form.contacts()):
            return _rate_limited(request, centre)
        try:
            booking = booking_request(
                centre=centre,
                area=area,
                mode=mode,
                starts_at=starts_at,
                client=form.client_values(),
                description=form.cleaned_data["description"].strip(),
                consent=consent,
                owner=booking_owner(request.user),
            )
        except SlotTaken:
            _draft_keep(request, centre, form)
            return _slot_gone(request, centre, area, mode, context, taken=True)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            request.session.pop(DRAFT, None)
            return redirect("booking:done", token=manage_token(booking))
    return render(request, "mentoring/booking/details.html", context | {"form": form})


# What a visitor typed before their slot was taken, kept in their session for the next slot
# they pick (personal data: only this long, and gone once the booking is made).
DRAFT = "booking_draft"
DRAFT_SECONDS = 3600


def _draft_keep(request: HttpRequest, centre: Centre, form: BookingDetailsForm) -> None:
    until = timezone.now().timestamp() + DRAFT_SECONDS
    request.session[DRAFT] = {"centre": centre.pk, "until": until, "typed": form.typed()}
    if not request.user.is_authenticated:
        # A visitor's session exists for this draft alone: it ends with it.
        request.session.set_expiry(DRAFT_SECONDS)


def _draft_of(request: HttpRequest, centre: Centre) -> dict[str, str]:
    draft = request.session.get(DRAFT)
    if not draft or draft["until"] < timezone.now().timestamp():
        request.session.pop(DRAFT, None)
        return {}
    return draft["typed"] if draft["centre"] == centre.pk else {}


def _slot_gone(
    request: HttpRequest,
    centre: Centre,
    area: ServiceArea,
    mode: str,
    context: dict[str, object],
    *,
    taken: bool,
) -> HttpResponse:
    """The chosen slot is not free (any more): say so and offer the fresh list."""
    message = (
        _(TAKEN) if taken else _("Maaf, waktu ini sudah tidak tersedia. Silakan pilih waktu lain:")
    )
    return render(
        request,
        "mentoring/booking/details.html",
        context | _slot_context(centre, area, mode) | {"slot_gone": message},
        status=409 if taken else 200,
    )


def _slot_refused(
    request: HttpRequest, centre: Centre, area: ServiceArea, mode: str, problem: ValidationError
) -> HttpResponse:
    """A slot outside the years the portal processes (an edited address): step 1 again,
    with the area and mode chosen, saying why, and the free slots."""
    areas = _bookable_areas(centre)
    form = BookingStartForm({"area": area.code, "mode": mode}, areas=areas)
    context: dict[str, object] = {"centre": centre, "form": form, "areas": areas}
    context |= _slot_context(centre, area, mode) | {"slot_gone": " ".join(problem.messages)}
    return render(request, "mentoring/booking/start.html", context, status=400)


def _rate_limited(request: HttpRequest, centre: Centre | None) -> HttpResponse:
    response = render(
        request, "mentoring/booking/rate_limited.html", {"centre": centre}, status=429
    )
    response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


# --- The signed link: confirmation, manage, calendar ----------------------------------------


def _booking_or_response(request: HttpRequest, token: str) -> Booking | HttpResponse:
    """The booking a link points at, or the page explaining why the link does not work.

    Forged tokens are counted per address (plut/foundation/accounts/lockout.py): past the limit the
    address is refused every link until the window passes."""
    if lockout.bad_tokens_exceeded(request):
        return lockout.bad_tokens_refused(request)
    try:
        return booking_from_token(token)
    except signing.SignatureExpired:
        return _invalid_link(request, expired=True, centre=_centre_of_old_link(token))
    except (signing.BadSignature, Booking.DoesNotExist):
        lockout.bad_token_seen(request)
        return _invalid_link(request, expired=False, centre=None)


def _centre_of_old_link(token: str) -> Centre | None:
    # The link is genuine, only too old: it may still say which centre to call.
    try:
        pk = signing.loads(token, salt=MANAGE_SALT)
    except signing.BadSignature:
        return None
    return Centre.objects.filter(bookings__pk=pk).first()


def _invalid_link(request: HttpRequest, *, expired: bool, centre: Centre | None) -> HttpResponse:
    return render(
        request,
        "mentoring/booking/invalid_link.html",
        {"expired": expired, "centre": centre},
        status=410 if expired else 404,
    )


def _email_mask(email: str) -> str:
    """rahman@example.id -> 'ra***@example.id': the owner recognises it, whoever else holds the
    link learns little. Always the address typed with the booking, never one on file."""
    local, _at, domain = email.partition("@")
    return f"{local[:2]}***@{domain}" if domain else ""


def _manage_url(request: HttpRequest, booking: Booking) -> str:
    return request.build_absolute_uri(reverse("booking:manage", args=[manage_token(booking)]))


@never_cache
@require_safe
def booking_done(request: HttpRequest, token: str) -> HttpResponse:
    found = _booking_or_response(request, token)
    if isinstance(found, HttpResponse):
        return found
    return render(
        request,
        "mentoring/booking/done.html",
        {
            "booking": found,
            "email_sent_to": _email_mask(found.contact_email),
            "manage_url": _manage_url(request, found),
            "token": token,
            "video_link": notifications.booking_room(found),
        },
    )


def _reschedule(request: HttpRequest, booking: Booking, token: str) -> HttpResponse | str:
    """Move the booking to the slot posted; a redirect on success, else the error to show."""
    try:
        starts_at = _parse_slot(request.POST.get("slot", ""))
    except ValidationError as problem:
        return " ".join(problem.messages)
    if starts_at is None:
        return _("Pilih salah satu waktu di bawah.")
    try:
        booking_reschedule(booking=booking, starts_at=starts_at, by_owner=True)
    except SlotTaken:
        return _(TAKEN)
    except ValidationError as problem:
        return " ".join(problem.messages)
    messages.success(request, _("Jadwal konsultasi Anda sudah diubah."))
    return redirect("booking:manage", token=token)


def _cancel(
    request: HttpRequest, booking: Booking, token: str, form: BookingCancelForm
) -> HttpResponse | str:
    """Cancel the booking; a redirect on success, else the error to show."""
    if not form.is_valid():
        return _("Periksa alasan pembatalan.")
    try:
        booking_cancel_by_owner(booking=booking, reason=form.cleaned_data["reason"])
    except ValidationError as problem:
        return " ".join(problem.messages)
    messages.success(request, _("Pemesanan Anda sudah dibatalkan."))
    return redirect("booking:manage", token=token)


def _proposed_slot(request: HttpRequest) -> datetime.datetime | None:
    """The slot an owner picked to move to (``?slot=``), or None when there is none to ask
    about (a malformed or out-of-range one just shows the list again)."""
    try:
        return _parse_slot(request.GET.get("slot", ""))
    except ValidationError:
        return None


@never_cache
@require_http_methods(["GET", "POST"])
def booking_manage(request: HttpRequest, token: str) -> HttpResponse:
    found = _booking_or_response(request, token)
    if isinstance(found, HttpResponse):
        return found
    booking = found
    may_change = owner_may_change(booking)
    cancel_form = BookingCancelForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        if not may_change:
            # Too close to the start, or no longer active: only the centre may change it now.
            outcome: HttpResponse | str = str(OWNER_TOO_LATE)
            status = 403
        elif action == "reschedule":
            outcome, status = _reschedule(request, booking, token), 409
        elif action == "cancel":
            outcome, status = _cancel(request, booking, token, cancel_form), 400
        else:
            outcome, status = _("Pilih ubah jadwal atau batalkan."), 400
        if isinstance(outcome, HttpResponse):
            return outcome
        error = outcome

    context: dict[str, object] = {
        "booking": booking,
        "token": token,
        "may_change": may_change,
        "cancel_form": cancel_form,
        "error": error,
        "consultant_name": booking.consultant.first_name if booking.consultant else "",
        "video_link": notifications.booking_room(booking),
    }
    proposed = _proposed_slot(request) if may_change and request.method == "GET" else None
    if proposed is not None:
        # A slot picked on this page: asked before anything moves.
        local = proposed.astimezone(ZoneInfo(booking.centre.timezone))
        context |= {
            "proposed": proposed,
            "proposed_value": _slot_value(proposed),
            "proposed_label": f"{formats.date_format(local, 'l, j F Y')}, "
            f"{local:%H:%M} {booking.centre.timezone_label}",
        }
    elif may_change:
        # Fresh every time, so after a lost race the owner picks from what is really free.
        context |= _slot_context(booking.centre, booking.service_area, booking.mode, ignore=booking)
    return render(request, "mentoring/booking/manage.html", context, status=status)


@never_cache
@require_safe
def booking_calendar(request: HttpRequest, token: str) -> HttpResponse:
    found = _booking_or_response(request, token)
    if isinstance(found, HttpResponse):
        return found
    notice = (
        BookingNotice.CANCELLED
        if found.status == BookingStatus.CANCELLED
        else BookingNotice.CONFIRMED
    )
    response = HttpResponse(
        notifications.booking_calendar(found, notice), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="konsultasi-plut.ics"'
    return response
