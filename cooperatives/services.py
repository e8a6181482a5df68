"""Writes for persons, enterprises and cooperatives."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clinics.models import Centre
from cooperatives.models import Enterprise, Person


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
