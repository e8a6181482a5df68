"""Personal-data duties (UU 27/2022): logging full-NIK views, the owner's own data, erasure."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperatives.models import Cooperative, Enterprise, NikView, Person
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.models import Booking, FollowUp, MentoringSession, Outcome
from mentoring.selectors.records import (
    bookings_visible_to,
    follow_ups_visible_to,
    outcomes_visible_to,
    sessions_visible_to,
)
from plut.foundation.accounts.models import User
from plut.foundation.core.history import HIDDEN, path_field, path_label, shown, zone_of
from plut.foundation.core.tables import DASH
from plut.top.privacy.models import ErasureRequest

ERASED_NAME = "(dihapus)"


@dataclass(frozen=True)
class Section:
    """One kind of record in the owner's data: which of theirs, and the columns kept."""

    key: str  # the JSON's name for it
    model: type[Model]
    rows: Callable[[User], QuerySet[Any]]
    columns: tuple[str, ...]  # lookup paths (``centre__name``)


# Everything the portal holds about an owner, through the owner scope: their person records
# (full NIK and phone: it is their own), enterprises, cooperatives, bookings, sessions,
# follow-ups, outcomes, who was shown their NIK (role and centre, not the staff member's
# name), erasure requests.
SECTIONS = (
    Section(
        "persons",
        Person,
        lambda user: Person.objects.filter(user=user),
        ("id", "full_name", "nik", "gender", "phone", "email", "regency__name", "centre__name"),
    ),
    Section(
        "enterprises",
        Enterprise,
        enterprises_visible_to,
        (
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
    ),
    Section(
        "cooperatives",
        Cooperative,
        cooperatives_visible_to,
        ("id", "name", "number", "type", "centre__name"),
    ),
    Section(
        "bookings",
        Booking,
        lambda user: bookings_visible_to(user).order_by("starts_at", "id"),
        (
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
    ),
    Section(
        "sessions",
        MentoringSession,
        lambda user: sessions_visible_to(user).order_by("starts_at", "id"),
        ("id", "centre__name", "service_area__name_id", "starts_at", "topic", "problems", "advice"),
    ),
    Section(
        "follow_ups",
        FollowUp,
        lambda user: follow_ups_visible_to(user).order_by("due_on", "id"),
        ("id", "action", "due_on", "done_at"),
    ),
    Section(
        "outcomes",
        Outcome,
        lambda user: outcomes_visible_to(user).order_by("recorded_on", "id"),
        (
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
    ),
    Section(
        "nik_views",
        NikView,
        lambda user: NikView.objects.filter(person__user=user).order_by("viewed_at", "id"),
        ("viewed_at", "viewer__role", "centre__name", "channel"),
    ),
    Section(
        "erasure_requests",
        ErasureRequest,
        lambda user: user.erasure_requests.order_by("requested_at"),
        ("requested_at", "status", "completed_at"),
    ),
)
# The account: the download's names for it, and where each is read (a lookup path on the user).
ACCOUNT = (
    ("username", "username"),
    ("email", "email"),
    ("name", None),  # the full name, which no one field holds
    ("date_joined", "date_joined"),
    ("last_login", "last_login"),
    ("language", "language"),
    ("consent_version", "consent__version"),
    ("consent_at", "consent_at"),
)


def owner_data(*, user: User) -> dict[str, Any]:
    """Everything the portal holds about this owner (``SECTIONS``), as stored: the download."""
    stored = User.objects.filter(pk=user.pk).values(*(path for _key, path in ACCOUNT if path))
    account = {key: stored[0][path] if path else user.get_full_name() for key, path in ACCOUNT}
    return {
        "account": account,
        **{section.key: list(section.rows(user).values(*section.columns)) for section in SECTIONS},
    }


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class OwnerDataPage:
    account: list[tuple[str, str]]  # (label, value)
    tables: list[Table]


def owner_data_page(*, user: User) -> OwnerDataPage:
    """The same data as the download, as a person reads it: labels instead of field names,
    choices by their label, times in the zone of the centre serving the owner (labelled),
    numbers grouped; the ids, bookkeeping, are left to the download."""
    data = owner_data(user=user)
    first = Person.objects.filter(user=user).order_by("id").first()
    zone = zone_of(first) if first is not None else str(settings.TIME_ZONE)
    account = [
        (
            path_label(User, path) if path else str(_("nama lengkap")),
            shown(path_field(User, path), data["account"][key], zone)
            if path
            else data["account"][key] or DASH,
        )
        for key, path in ACCOUNT
    ]
    tables = []
    for section in SECTIONS:
        columns = [path for path in section.columns if path not in HIDDEN]
        fields = [path_field(section.model, path) for path in columns]
        tables.append(
            Table(
                title=str(section.model._meta.verbose_name_plural),
                headers=[path_label(section.model, path) for path in columns],
                rows=[
                    [shown(f, row[path], zone) for f, path in zip(fields, columns, strict=True)]
                    for row in data[section.key]
                ],
            )
        )
    return OwnerDataPage(account=account, tables=tables)


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
