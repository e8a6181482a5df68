"""Placeholder until the public booking pages land (issue 4)."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


booking_start = booking_details = booking_done = booking_manage = booking_calendar = _todo
