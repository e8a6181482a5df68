"""Placeholder until this part of the workspace lands (issue 3)."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


enterprise_list = enterprise_export = cooperative_list = cooperative_export = _todo
