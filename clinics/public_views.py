"""Placeholder until the public centre page lands (issue 4)."""

from django.http import Http404


def centre_detail(*args, **kwargs):
    raise Http404
