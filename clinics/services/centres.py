"""Writes for centres, service areas and staff."""

from __future__ import annotations

import contextlib
import csv
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from auditlog.context import auditlog_value, set_actor
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from clinics.models import Centre, CentreLevel, ServiceArea, StaffMembership, WorkingHours
from clinics.signals import staff_member_moving
from plut.foundation.accounts.models import CENTRE_ROLES, User
from plut.foundation.core.reference import REFERENCE_DIR, LoadResult, sync_rows

# The six areas of the seed (DOMAIN.md). Codes are stable identifiers used by reports and the
# API; the names are data so a province can rename them or add a seventh in the admin.
SEED_SERVICE_AREAS: tuple[tuple[str, str, str], ...] = (
    ("institutional", "Kelembagaan", "Institutional / legal form"),
    ("financing", "Akses Pembiayaan", "Access to financing"),
    ("hr", "Sumber Daya Manusia (SDM)", "Human resources"),
    ("production", "Produksi", "Production"),
    ("marketing", "Pemasaran / Kemitraan Usaha", "Marketing and business partnership"),
    ("it", "Akses IT / Digital", "IT and digital access"),
)


@transaction.atomic
def service_areas_load() -> LoadResult:
    rows = {
        code: {"name_id": name_id, "name_en": name_en, "order": order}
        for order, (code, name_id, name_en) in enumerate(SEED_SERVICE_AREAS, start=1)
    }
    return sync_rows(ServiceArea, "code", rows)[0]


# A centre's contact details as the file offers them: its manager keeps them up to date in the
# workspace afterwards, so a reload fills only what is still empty (sync_rows' ``blanks``).
CONTACT_COLUMNS = ("address", "phone", "email", "opening_hours")


@transaction.atomic
def centres_load(*, path: Path = REFERENCE_DIR / "plut_centres.csv") -> LoadResult:
    """Load the centres known from public sources, keyed by name (plut/reference_data/
    SOURCES.md says where each row and each contact detail comes from).

    A new centre offers every active area; an existing one keeps what an administrator set. A
    centre whose sources show only funding or plans ("operating" = "unconfirmed") is created
    inactive: the directory does not offer it until an administrator confirms it opened.
    """
    rows: dict[str, dict[str, Any]] = {}
    blanks: dict[str, dict[str, Any]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sources = [row["source"], row["contact_source"]]
            rows[row["name"]] = {
                "level": CentreLevel(row["level"]),
                "province_id": row["province_code"],
                "regency_id": row["regency_code"] or None,
                "city": row["city"],
                "source_url": " ; ".join(source for source in sources if source),
            }
            blanks[row["name"]] = {column: row[column] for column in CONTACT_COLUMNS}
            if row["operating"] == "unconfirmed":
                blanks[row["name"]]["is_active"] = False
    # "is_active" only on creation: afterwards it is the administrator's (a False offered to
    # an existing row is never written, as sync_rows fills only empty values with true ones).
    result, created = sync_rows(Centre, "name", rows, blanks=blanks)
    areas = list(ServiceArea.objects.filter(is_active=True))
    through = Centre.service_areas.through
    through.objects.bulk_create(
        through(centre_id=centre.pk, servicearea_id=area.pk) for centre in created for area in areas
    )
    return result


@transaction.atomic
def staff_member_place(
    *, user: User, centre: Centre, areas: list[ServiceArea] | None = None
) -> StaffMembership:
    """Put a manager or consultant at a centre (moving them if they were elsewhere)."""
    if user.role not in CENTRE_ROLES:
        raise ValueError(f"{user} is not a centre role ({user.role})")
    membership, _created = StaffMembership.objects.update_or_create(
        user=user, defaults={"centre": centre}
    )
    if areas is not None:
        membership.areas.set(areas)
    return membership


# --- The centre's team: invitations, areas, deactivation -------------------------------------


def _check_areas_offered(*, centre: Centre, areas: list[ServiceArea]) -> None:
    offered = set(centre.service_areas.filter(is_active=True).values_list("pk", flat=True))
    if any(area.pk not in offered for area in areas):
        raise ValidationError({"areas": _("Bidang ini tidak dilayani oleh PLUT ini.")})


def staff_invitation_send(*, user: User, centre: Centre, invited_by: User) -> None:
    """Email ``user`` a link to choose their own password (Django's password-reset link).

    The link is built from SITE_URL, never the request's Host header: a forged Host would
    otherwise put an attacker's address in front of a set-password token.

    An invited user has an unusable password, which Django's "forgot password" form ignores,
    so this link is their only way in until they set one. It is written in Indonesian, the
    portal's language, whatever language the inviting manager reads the portal in.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    context = {
        "user": user,
        "centre": centre,
        "invited_by": invited_by,
        "set_password_url": f"{settings.SITE_URL}{path}",
        "login_url": f"{settings.SITE_URL}{reverse('login')}",
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("clinics/invitation_subject.txt", context)
        body = render_to_string("clinics/invitation_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


@transaction.atomic
def staff_member_invite(
    *,
    centre: Centre,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    areas: list[ServiceArea],
    invited_by: User,
) -> User:
    """Create a manager or consultant at ``centre`` and email them a link to set a password.

    The username is the email in lower case. The email goes out only once the transaction
    has committed, so a rolled-back invitation never reaches anyone.
    """
    email = User.objects.normalize_email(email.strip())
    username = email.lower()
    if role not in CENTRE_ROLES:
        raise ValidationError({"role": _("Hanya konsultan atau manajer yang dapat diundang.")})
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=username)).exists():
        raise ValidationError({"email": _("Email ini sudah dipakai oleh akun lain.")})
    _check_areas_offered(centre=centre, areas=areas)
    user = User(
        username=username,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        is_active=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    staff_member_place(user=user, centre=centre, areas=areas)
    transaction.on_commit(
        lambda: staff_invitation_send(user=user, centre=centre, invited_by=invited_by)
    )
    return user


@transaction.atomic
def staff_member_set_areas(
    *, membership: StaffMembership, areas: list[ServiceArea]
) -> StaffMembership:
    """The service areas a staff member covers, chosen from those their centre offers."""
    _check_areas_offered(centre=membership.centre, areas=areas)
    membership.areas.set(areas)
    return membership


@transaction.atomic
def staff_member_deactivate(*, user: User, by: User) -> User:
    """Stop ``user`` from signing in; their sessions and history stay.

    Django's ModelBackend refuses inactive users both at login and on every later request,
    so an open session ends at its next click.
    """
    if user.pk == by.pk:
        raise ValidationError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    user.is_active = False
    user.full_clean()
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def staff_member_reactivate(*, user: User) -> User:
    user.is_active = True
    user.full_clean()
    user.save(update_fields=["is_active"])
    return user


# --- Audit: who changed what ------------------------------------------------------------------


@contextlib.contextmanager
def _acting(by: User) -> Iterator[None]:
    """Name ``by`` as the actor of the audit entries written inside, unless a request already
    did (django-auditlog's middleware): replacing the request's context would leave the rest of
    the request's writes without one."""
    try:
        current = auditlog_value.get()
    except LookupError:
        current = None
    if current and current.get("actor") is not None:
        yield
        return
    with set_actor(by):
        yield


# --- A centre's public details ----------------------------------------------------------------

# What a centre's staff keep up to date; name, level, province, regency, city and the public
# source stay as the reference data has them (a national administrator corrects those).
CENTRE_DETAILS_FIELDS = ("address", "phone", "whatsapp", "email", "opening_hours", "map_url")


@transaction.atomic
def centre_details_set(
    *, centre: Centre, values: dict[str, Any], areas: list[ServiceArea], by: User
) -> Centre:
    """Save the centre's public details and the active service areas it offers, all or nothing.

    A staff member covers only areas their centre offers: an area the centre stops offering
    is taken off its staff too (bookings already made in it stay as they are). Areas switched
    off nationally are not on the form and stay as they were.
    """
    unknown = set(values) - set(CENTRE_DETAILS_FIELDS)
    if unknown:
        raise ValueError(f"Not centre details: {sorted(unknown)}")
    if any(not area.is_active for area in areas):
        raise ValidationError({"service_areas": _("Bidang ini tidak aktif.")})
    for name, value in values.items():
        setattr(centre, name, value.strip() if isinstance(value, str) else value)
    # Only what is edited here is checked: an imperfect row from the public sources must not
    # stop a manager from adding a phone number.
    centre.full_clean(
        exclude=[f.name for f in Centre._meta.fields if f.name not in values],
        validate_unique=False,
    )
    with _acting(by):
        centre.save(update_fields=list(values))
        offered = set(centre.service_areas.values_list("pk", flat=True))
        inactive = set(centre.service_areas.filter(is_active=False).values_list("pk", flat=True))
        wanted = {area.pk for area in areas} | inactive
        if wanted != offered:
            centre.service_areas.set(wanted)
        dropped = offered - wanted
        if dropped:
            for membership in centre.memberships.filter(areas__in=dropped).distinct():
                membership.areas.remove(*dropped)
    return centre


# --- Moving a staff member to another centre ---------------------------------------------------


def staff_move_blockers(*, membership: StaffMembership) -> list[str]:
    """What must be settled at the member's centre before they may move (each a sentence from
    the app that knows: the bookings they hold, for one); empty when nothing is."""
    answers = staff_member_moving.send(sender=StaffMembership, membership=membership)
    return [str(reason) for _receiver, reason in answers if reason]


@dataclass(frozen=True)
class StaffMove:
    membership: StaffMembership
    hours_removed: int
    areas_dropped: list[ServiceArea]


@transaction.atomic
def staff_member_move(*, membership: StaffMembership, to_centre: Centre, by: User) -> StaffMove:
    """Place a manager or consultant at another centre, all or nothing.

    Refused while anything at the old centre still depends on them (``staff_move_blockers``:
    the bookings they hold must go to a colleague first, so no client loses a consultation).
    Their weekly hours were the old centre's, in its time zone, and are removed: the new centre
    sets its own. Absences are the person's (leave, training) and go with them. Of their areas
    they keep those the new centre offers. The membership starts again at the new centre
    (``joined_on`` is today there); the old one is in the audit trail.
    """
    # Lock the membership: two officers moving the same person at once move them once.
    locked = StaffMembership.objects.select_for_update().get(pk=membership.pk)
    if to_centre.pk == locked.centre_id:
        raise ValidationError({"centre": _("Anggota tim ini sudah bekerja di PLUT tersebut.")})
    if not to_centre.is_active:
        raise ValidationError({"centre": _("PLUT tujuan tidak aktif.")})
    blockers = staff_move_blockers(membership=locked)
    if blockers:
        raise ValidationError(blockers, code="blocked")
    offered = set(to_centre.service_areas.filter(is_active=True).values_list("pk", flat=True))
    dropped = [area for area in locked.areas.all() if area.pk not in offered]
    with _acting(by):
        hours_removed, _deleted = WorkingHours.objects.filter(membership=locked).delete()
        if dropped:
            locked.areas.remove(*dropped)
        locked.centre = to_centre
        locked.joined_on = _today_at(to_centre)
        locked.full_clean(validate_unique=False)
        locked.save(update_fields=["centre", "joined_on"])
    return StaffMove(locked, hours_removed, dropped)


def _today_at(centre: Centre) -> datetime.date:
    return timezone.localtime(timezone.now(), ZoneInfo(centre.timezone)).date()
