"""Placeholder until this part of the workspace lands (issue 3)."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


session_list = session_export = follow_up_list = follow_up_export = follow_up_done = _todo
