"""Writes for persons, enterprises and cooperatives: registering them, and correcting them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from clinics.models import Centre
from cooperatives.models import Cooperative, Enterprise, NikView, Person
from plut.foundation.accounts.models import User
from plut.foundation.core.models import TimestampedModel, concrete_field

R = TypeVar("R", Person, Enterprise, Cooperative)


@transaction.atomic
def enterprise_register(
    *, centre: Centre, enterprise: dict[str, Any], owner: dict[str, Any]
) -> Enterprise:
    """Register an enterprise as a client of ``centre``, with its owner.

    An owner whose NIK is already registered at this centre is reused (one person may own
    several businesses); a NIK registered elsewhere is refused rather than silently linked.
    """
    person = None
    if owner.get("nik"):
        person = Person.objects.filter(nik=owner["nik"]).first()
        if person is not None and person.centre_id not in (None, centre.pk):
            raise ValidationError(
                {"owner_nik": _("NIK ini sudah terdaftar sebagai klien PLUT lain.")}
            )
    if person is None:
        person = Person(centre=centre, **owner)
        person.full_clean()
        person.save()
    new = Enterprise(centre=centre, owner=person, **enterprise)
    new.full_clean()
    new.save()
    return new


class RecordChanged(Exception):
    """The record was saved by someone else after the correcting form was loaded."""

    def __init__(self, current: TimestampedModel) -> None:
        super().__init__(f"{type(current).__name__} {current.pk} changed since it was loaded")
        self.current = current


# The identifier each model keeps unique: a save that loses the race for one to another record
# (both passed the form's check) is refused with the field's own message.
_UNIQUE_IDENTIFIER = {Person: "nik", Enterprise: "nib", Cooperative: "number"}


def _differs(record: models.Model, name: str, value: Any) -> bool:
    field = concrete_field(type(record), name)
    if field.is_relation:
        return getattr(record, field.attname) != (value.pk if value is not None else None)
    return getattr(record, name) != value


def _record_correct(
    model: type[R], *, pk: int, loaded_at: datetime.datetime, values: dict[str, Any]
) -> tuple[R, list[str]]:
    """Write ``values`` over record ``pk`` if nobody saved it since ``loaded_at``.

    Returns the record and the names of the fields that changed (none: nothing is written).
    Raises ``RecordChanged`` when the record was saved after the form was loaded, and a
    ``ValidationError`` (by field) when the result breaks a rule of the model.
    """
    with transaction.atomic():
        # Locked until the end: a second correction sent at the same moment waits here, then
        # sees this one's updated_at and is refused instead of overwriting it.
        record = model._default_manager.select_for_update().get(pk=pk)
        if record.updated_at != loaded_at:
            raise RecordChanged(record)
        changed: list[str] = [
            name for name, value in values.items() if _differs(record, name, value)
        ]
        if not changed:
            return record, []
        for name in changed:
            setattr(record, name, values[name])
        record.full_clean()
        identifier = _UNIQUE_IDENTIFIER[model]
        try:
            with transaction.atomic():
                # Only the fields corrected: a column written meanwhile by something that does
                # not move updated_at (a bulk import) keeps its value. auditlog records the diff.
                record.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            if identifier not in changed:
                raise
            message = concrete_field(model, identifier).error_messages["unique"]
            raise ValidationError({identifier: message}) from None
    return record, changed


def person_correct(
    *, person: Person, loaded_at: datetime.datetime, values: dict[str, Any]
) -> tuple[Person, list[str]]:
    """Correct an owner's or board member's record (NIK, name, phone, email, regency...)."""
    return _record_correct(Person, pk=person.pk, loaded_at=loaded_at, values=values)


def enterprise_correct(
    *, enterprise: Enterprise, loaded_at: datetime.datetime, values: dict[str, Any]
) -> tuple[Enterprise, list[str]]:
    """Correct an enterprise's record (name, NIB, KBLI, regency, figures, address)."""
    return _record_correct(Enterprise, pk=enterprise.pk, loaded_at=loaded_at, values=values)


def cooperative_correct(
    *, cooperative: Cooperative, loaded_at: datetime.datetime, values: dict[str, Any]
) -> tuple[Cooperative, list[str]]:
    """Correct a cooperative's record (name, identifiers, legal entity, RAT, members...)."""
    return _record_correct(Cooperative, pk=cooperative.pk, loaded_at=loaded_at, values=values)


def person_link_by_verified_email(*, user: User, email: str) -> int:
    """Link the owner's past records, found by an email they have just proven; how many.

    Only a Person with exactly this address (ignoring case) and no account yet is linked; one
    already linked to someone else is never taken over, and one an anonymous public booking
    created is never linked (whoever typed the address there proved nothing: it may be someone
    else's). ``Person.user`` is one-to-one, so an
    account holds one Person: when several match, the oldest (usually the one staff
    registered first) is linked and the rest stay for the centre to merge.
    """
    email = email.strip()
    if not email:
        return 0
    with transaction.atomic():
        # Lock the account: two verifications at once must not link two Persons to it.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if Person.objects.filter(user=user).exists():
            return 0
        person = (
            Person.objects.select_for_update()
            .filter(email__iexact=email, user__isnull=True, from_public_booking=False)
            .order_by("created_at", "pk")
            .first()
        )
        if person is None:
            return 0
        person.user = user
        # A save, not an update(), so the audit log records who the record now belongs to.
        # Only the link changes: an unrelated flaw in an old record must not block it.
        person.save(update_fields=["user", "updated_at"])
    return 1


# --- Full NIK shown ---------------------------------------------------------------------------


def nik_views_record(*, viewer: User, persons: Iterable[Person], channel: str) -> int:
    """Record that ``viewer`` was shown these persons' full NIKs (one insert for them all)."""
    rows = [
        NikView(viewer=viewer, person=person, centre_id=person.centre_id, channel=channel)
        for person in persons
        if person.nik
    ]
    NikView.objects.bulk_create(rows)
    return len(rows)


# --- The owner's own data ---------------------------------------------------------------------
