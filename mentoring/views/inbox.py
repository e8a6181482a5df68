"""Placeholder until the staff booking inbox lands (issue 4)."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


inbox = booking_detail = booking_action = _todo
