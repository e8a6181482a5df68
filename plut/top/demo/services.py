"""The demo portal `make run` shows a newcomer: reference data, generated work, an account per role."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from clinics.models import Centre
from clinics.services.centres import staff_member_place
from cooperatives.models import Enterprise
from plut.foundation.accounts.models import Role, User
from plut.top.demo.generator import DEMO_CENTRES, DEMO_PASSWORD, generate


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str


def _account(username: str, role: str, **extra: object) -> User:
    user = User(username=username, role=role, **extra)
    user.set_password(DEMO_PASSWORD)
    user.full_clean()
    user.save()
    return user


def demo_logins() -> list[DemoLogin]:
    users = User.objects.filter(
        username__in=["nasional", "provinsi", "manajer", "konsultan", "konsultan2", "umkm"]
    ).select_related("province", "staff_membership__centre")
    result = []
    for user in users.order_by("pk"):
        if user.role == Role.PROVINCIAL:
            scope = user.province.name
        elif hasattr(user, "staff_membership"):
            scope = user.staff_membership.centre.name
        elif user.role == Role.OWNER:
            scope = ", ".join(e.name for e in Enterprise.objects.filter(owner__user=user))
        else:
            scope = "Indonesia"
        result.append(DemoLogin(user.username, user.get_role_display(), scope))
    return result


@transaction.atomic
def demo_load(*, today: datetime.date | None = None) -> bool:
    """Create the demo once; return False when it is already there."""
    if not (settings.DEMO_MODE and settings.DEBUG):
        raise ImproperlyConfigured("The demo needs DEMO_MODE and DEBUG on: its password is public.")
    if User.objects.filter(username="nasional").exists():
        return False
    centres = [Centre.objects.get(name=name) for name in DEMO_CENTRES]
    home, other = centres[0], centres[1]

    # Only the national administrator opens the admin (plut/foundation/accounts/admin_site.py); the other
    # roles work in the workspace.
    _account(
        "nasional",
        Role.NATIONAL,
        first_name="Admin",
        last_name="Nasional",
        is_staff=True,
        is_superuser=True,
    )
    _account(
        "provinsi",
        Role.PROVINCIAL,
        first_name="Petugas",
        last_name="Dinas",
        province=home.province,
    )
    manager = _account("manajer", Role.MANAGER, first_name="Manajer", last_name="PLUT")
    staff_member_place(user=manager, centre=home)
    consultant = _account("konsultan", Role.CONSULTANT, first_name="Konsultan", last_name="Satu")
    staff_member_place(user=consultant, centre=home, areas=list(home.service_areas.all()))
    consultant2 = _account("konsultan2", Role.CONSULTANT, first_name="Konsultan", last_name="Dua")
    staff_member_place(user=consultant2, centre=other, areas=list(other.service_areas.all()))

    data = generate(centres=centres, consultants_per_centre=2, today=today)

    owner = _account("umkm", Role.OWNER, first_name="Pemilik", last_name="UMKM")
    enterprise = next(e for e in data.enterprises if e.centre_id == home.pk)
    enterprise.owner.user = owner
    enterprise.owner.save(update_fields=["user"])
    return True
