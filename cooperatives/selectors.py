"""Reads for persons, enterprises and cooperatives, always through the user's scope."""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from cooperatives.models import Cooperative, Enterprise, Person
from plut.foundation.accounts.scope import visible_to
from plut.foundation.core.phone import phone_to_e164

M = TypeVar("M", Person, Enterprise, Cooperative)


def persons_visible_to(user: Any) -> QuerySet[Person]:
    return visible_to(user, Person.objects.select_related("regency"))


def enterprises_visible_to(user: Any) -> QuerySet[Enterprise]:
    return visible_to(
        user, Enterprise.objects.select_related("owner", "regency", "centre", "cooperative")
    )


def cooperatives_visible_to(user: Any) -> QuerySet[Cooperative]:
    return visible_to(user, Cooperative.objects.select_related("regency", "centre"))


def identifier_holder(user: Any, model: type[M], field: str, value: str, *, besides: M) -> M | None:
    """The record other than ``besides`` holding identifier ``value`` (a NIK, NIB or Nomor
    Induk Koperasi), if ``user`` may see it; None otherwise, whether or not one exists."""
    if not value:
        return None
    return (
        visible_to(user, model._default_manager.all())
        .exclude(pk=besides.pk)
        .filter(**{field: value})
        .first()
    )


def _phone_or_none(text: str) -> str | None:
    try:
        return phone_to_e164(text)
    except ValidationError:
        return None


def clients_search(
    user: Any, query: str, *, limit: int = 10
) -> tuple[list[Enterprise], list[Cooperative]]:
    """Enterprises and cooperatives in the user's scope matching name, NIB, Nomor Induk
    Koperasi, owner name or phone: what a consultant types to attach a client to a session."""
    query = query.strip()
    if len(query) < 2:
        return [], []
    enterprise_match = Q(name__icontains=query) | Q(owner__full_name__icontains=query)
    cooperative_match = Q(name__icontains=query)
    if query.isdigit():
        enterprise_match |= Q(nib=query)
        cooperative_match |= Q(number=query)
    phone = _phone_or_none(query) if any(ch.isdigit() for ch in query) else None
    if phone:
        enterprise_match |= Q(owner__phone=phone)
    enterprises = list(
        enterprises_visible_to(user).filter(enterprise_match).order_by("name")[:limit]
    )
    cooperatives = list(
        cooperatives_visible_to(user).filter(cooperative_match).order_by("name")[:limit]
    )
    return enterprises, cooperatives


def _normalised(name: str) -> str:
    return " ".join(name.lower().split())


def _similar(wanted: str, letters: Counter[str], other: str, cutoff: float = 0.8) -> bool:
    """Whether difflib rates ``other`` at least ``cutoff`` like ``wanted`` (both normalised;
    ``letters``: ``wanted``'s). Two cheap upper bounds of the ratio go first, the ones difflib's
    real_quick_ratio() and quick_ratio() compute and its get_close_matches() tries first: by
    the names' lengths, then by the letters they share. Most names of a regency fail one of
    them; the full comparison of a few thousand names cost most of a booking's page at
    national scale (docs/performance.md, session 14: the workspace)."""
    total = len(wanted) + len(other)
    if 2.0 * min(len(wanted), len(other)) / total < cutoff:
        return False
    if 2.0 * sum(min(n, other.count(letter)) for letter, n in letters.items()) / total < cutoff:
        return False
    return SequenceMatcher(None, wanted, other).ratio() >= cutoff


def enterprise_possible_duplicates(
    user: Any, *, name: str, regency_id: str | None, nik: str | None
) -> list[Enterprise]:
    """Enterprises in scope that may be the one being registered: the same owner NIK, or a
    similar name in the same regency (a clerk types "Keripik Barokah" for "Kripik Barokah").

    NIB needs no check here: it is unique in the database and the form says so.
    """
    candidates = enterprises_visible_to(user)
    found: dict[int, Enterprise] = {}
    if nik:
        found.update((e.pk, e) for e in candidates.filter(owner__nik=nik)[:10])
    if regency_id and name.strip():
        # Names only, for one regency of the user's scope (a few thousand at national scale);
        # difflib then judges similarity, which no portable SQL lookup does.
        names = candidates.filter(regency_id=regency_id).values_list("pk", "name")[:5000]
        wanted = _normalised(name)
        letters = Counter(wanted)
        similar = [pk for pk, other in names if _similar(wanted, letters, _normalised(other))]
        found.update((e.pk, e) for e in candidates.filter(pk__in=similar[:10]))
    return list(found.values())
