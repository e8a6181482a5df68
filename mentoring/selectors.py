"""Reads for sessions, follow-ups, bookings and outcomes, always through the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mentoring.models import Booking, FollowUp, MentoringSession, Outcome
from plut.accounts.scope import visible_to


def sessions_visible_to(user: Any) -> QuerySet[MentoringSession]:
    return visible_to(
        user,
        MentoringSession.objects.select_related("centre__province", "consultant", "service_area"),
    )


def follow_ups_visible_to(user: Any) -> QuerySet[FollowUp]:
    return visible_to(user, FollowUp.objects.select_related("session", "assignee"))


def bookings_visible_to(user: Any) -> QuerySet[Booking]:
    return visible_to(
        user,
        Booking.objects.select_related(
            "enterprise", "centre__province", "service_area", "consultant"
        ),
    )


def outcomes_visible_to(user: Any) -> QuerySet[Outcome]:
    return visible_to(user, Outcome.objects.select_related("enterprise"))
