"""The public page of one centre: where it is, when it is open, what it advises on, and who."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from clinics.models import Centre, ServiceArea, StaffMembership
from clinics.selectors import centres_taking_bookings
from plut.foundation.accounts.models import Role


@dataclass(frozen=True)
class PublicConsultant:
    """What the public may know of a consultant: the first name and the areas covered.

    Built here rather than handing the template a User, so no surname, email or phone of a
    staff member can ever reach a public page by a slip in a template.
    """

    first_name: str
    areas: list[str]


def _consultants_public(centre: Centre) -> list[PublicConsultant]:
    # One query for the memberships and their users, one for all their areas.
    memberships = (
        StaffMembership.objects.filter(
            centre=centre, user__is_active=True, user__role=Role.CONSULTANT
        )
        .select_related("user")
        .only("id", "user__first_name")
        .prefetch_related(Prefetch("areas", queryset=ServiceArea.objects.filter(is_active=True)))
        .order_by("user__first_name", "id")
    )
    return [
        PublicConsultant(
            first_name=membership.user.first_name.strip() or _("Konsultan"),
            areas=[area.name for area in membership.areas.all()],
        )
        for membership in memberships
    ]


@require_safe
def centre_detail(request: HttpRequest, pk: int) -> HttpResponse:
    centre = get_object_or_404(
        Centre.objects.filter(is_active=True)
        .select_related("province", "regency")
        .prefetch_related(
            Prefetch("service_areas", queryset=ServiceArea.objects.filter(is_active=True))
        ),
        pk=pk,
    )
    return render(
        request,
        "clinics/centre_detail.html",
        {
            "centre": centre,
            "consultants": _consultants_public(centre),
            "takes_bookings": bool(centres_taking_bookings([centre.pk])),
        },
    )
