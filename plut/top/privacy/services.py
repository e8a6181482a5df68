"""Personal-data duties (UU 27/2022): logging full-NIK views, the owner's own data, erasure."""

from __future__ import annotations

import datetime
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperatives.models import NikView, Person
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.models import Booking
from mentoring.selectors.records import (
    bookings_visible_to,
    follow_ups_visible_to,
    outcomes_visible_to,
    sessions_visible_to,
)
from plut.foundation.accounts.models import User
from plut.top.privacy.models import ErasureRequest

ERASED_NAME = "(dihapus)"


def _rows(queryset: Any, *fields: str) -> list[dict[str, Any]]:
    return list(queryset.values(*fields))


def owner_data(*, user: User) -> dict[str, Any]:
    """Everything the portal holds about this owner, through the owner scope: the account,
    their person records (full NIK and phone: it is their own), enterprises, cooperatives,
    bookings, sessions, follow-ups, outcomes, who was shown their NIK, erasure requests."""
    persons = Person.objects.filter(user=user)
    return {
        "account": {
            "username": user.username,
            "email": user.email,
            "name": user.get_full_name(),
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "language": user.language,
            "consent_version": user.consent.version if user.consent_id else None,
            "consent_at": user.consent_at,
        },
        "persons": _rows(
            persons,
            "id",
            "full_name",
            "nik",
            "gender",
            "phone",
            "email",
            "regency__name",
            "centre__name",
        ),
        "enterprises": _rows(
            enterprises_visible_to(user),
            "id",
            "name",
            "nib",
            "kbli",
            "scale",
            "business_capital",
            "annual_turnover",
            "employees",
            "address",
            "regency__name",
            "centre__name",
        ),
        "cooperatives": _rows(
            cooperatives_visible_to(user), "id", "name", "number", "type", "centre__name"
        ),
        "bookings": _rows(
            bookings_visible_to(user).order_by("starts_at", "id"),
            "id",
            "centre__name",
            "service_area__name_id",
            "starts_at",
            "ends_at",
            "status",
            "mode",
            "description",
            "contact_phone",
            "contact_email",
            "contact_name",
            "contact_business",
            "contact_nib",
            "consent__version",
        ),
        "sessions": _rows(
            sessions_visible_to(user).order_by("starts_at", "id"),
            "id",
            "centre__name",
            "service_area__name_id",
            "starts_at",
            "topic",
            "problems",
            "advice",
        ),
        "follow_ups": _rows(
            follow_ups_visible_to(user).order_by("due_on", "id"),
            "id",
            "action",
            "due_on",
            "done_at",
        ),
        "outcomes": _rows(
            outcomes_visible_to(user).order_by("recorded_on", "id"),
            "id",
            "enterprise__name",
            "recorded_on",
            "turnover",
            "employees",
            "financing_amount",
            "obtained_nib",
            "obtained_pirt",
            "obtained_halal",
            "obtained_sni",
        ),
        # Who saw the full NIK: role and centre, not the staff member's name.
        "nik_views": _rows(
            NikView.objects.filter(person__user=user).order_by("viewed_at", "id"),
            "viewed_at",
            "viewer__role",
            "centre__name",
            "channel",
        ),
        "erasure_requests": _rows(
            user.erasure_requests.order_by("requested_at"), "requested_at", "status", "completed_at"
        ),
    }


# --- Erasure ------------------------------------------------------------------------------------


@transaction.atomic
def erasure_request(*, user: User, reason: str = "") -> ErasureRequest:
    """The owner asks for erasure; an open request is returned rather than doubled."""
    open_request = user.erasure_requests.filter(status=ErasureRequest.Status.REQUESTED).first()
    if open_request is not None:
        return open_request
    first_person = Person.objects.filter(user=user).order_by("id").first()
    request = ErasureRequest(
        requested_by=user,
        centre_id=first_person.centre_id if first_person else None,
        reason=reason,
    )
    request.full_clean()
    request.save()
    return request


def _audit_trail_redact(model: type, pks: list[int]) -> int:
    """The audit trail keeps old values of the fields it does not mask (name, email): blank
    the changes of the anonymised rows, keeping that a change happened, and when, and by whom."""
    if not pks:
        return 0
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_pk__in=[str(pk) for pk in pks],
    ).update(changes={}, changes_text="", serialized_data=None, object_repr=ERASED_NAME)


@transaction.atomic
def erasure_complete(
    *, request: ErasureRequest, by: User, now: datetime.datetime | None = None
) -> ErasureRequest:
    """Anonymise the owner's personal data, keep every anonymous fact.

    Person: name, NIK, phone, email, link to the account. Bookings under their enterprises:
    the contact typed and the problem description. The account: names, email, password,
    username; deactivated and every session ended. Enterprises, sessions, outcomes and
    bookings stay (counts, scale, turnover, dates, areas), so statistics do not change; they
    now belong to a nameless person. The audit trail of those rows loses its old values.
    """
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == ErasureRequest.Status.COMPLETED:
        raise ValidationError(_("Permintaan ini sudah diselesaikan."))
    user = request.requested_by
    person_ids = list(Person.objects.filter(user=user).values_list("pk", flat=True))
    booking_ids = list(
        Booking.objects.filter(enterprise__owner__in=person_ids).values_list("pk", flat=True)
    )
    # Queryset updates send no model signals, so these writes add nothing to the audit trail.
    persons = Person.objects.filter(pk__in=person_ids).update(
        full_name=ERASED_NAME, nik=None, phone="", email="", user=None
    )
    bookings = Booking.objects.filter(pk__in=booking_ids).update(
        contact_phone="", contact_email="", contact_name="", description=""
    )
    User.objects.filter(pk=user.pk).update(
        username=f"dihapus-{user.pk}",
        first_name="",
        last_name="",
        email="",
        email_verified_at=None,
        is_active=False,
        password="!erased",
        session_generation=F("session_generation") + 1,
    )
    LogEntry.objects.filter(actor=user).update(actor_email="")
    redacted = _audit_trail_redact(Person, person_ids) + _audit_trail_redact(Booking, booking_ids)
    request.status = ErasureRequest.Status.COMPLETED
    request.completed_at = now or timezone.now()
    request.completed_by = by
    request.summary = {
        "persons": persons,
        "bookings": bookings,
        "accounts": 1,
        "audit_entries": redacted,
    }
    request.full_clean()
    request.save()
    return request
