"""Reads for persons, enterprises and cooperatives, always through the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cooperatives.models import Cooperative, Enterprise, Person
from plut.accounts.scope import visible_to


def persons_visible_to(user: Any) -> QuerySet[Person]:
    return visible_to(user, Person.objects.select_related("regency"))


def enterprises_visible_to(user: Any) -> QuerySet[Enterprise]:
    return visible_to(
        user, Enterprise.objects.select_related("owner", "regency", "centre", "cooperative")
    )


def cooperatives_visible_to(user: Any) -> QuerySet[Cooperative]:
    return visible_to(user, Cooperative.objects.select_related("regency", "centre"))
