"""Placeholder until this part of the workspace lands (issue 3)."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


team_list = team_invite = team_member = _todo
