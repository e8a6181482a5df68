"""Placeholder until availability management lands (issue 4)."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


availability = availability_member = booking_policy = _todo
