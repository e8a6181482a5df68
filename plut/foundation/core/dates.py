"""The dates a user or a client may send: those from 1900 to 2100, refused with one message;
and Indonesia's three time zones (``TimeZone``).

Python's dates run from year 1 to 9999, and the portal turns a date into a centre's local
midnight, shifts a moment by a zone or adds a day: near either end that overflows
(OverflowError, "year 0 is out of range"), a 500 instead of an answer. No session, booking,
deadline, RAT or report of a PLUT falls outside these years, so every date field and filter
that takes input refuses anything else before the value reaches a query.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)
# Names the years of EARLIEST and LATEST.
OUT_OF_RANGE = _("Tanggal di luar rentang yang dapat diproses (1900–2100).")


class TimeZone(models.TextChoices):
    # Indonesia has no daylight saving; each province sits wholly in one of three zones.
    WIB = "Asia/Jakarta", "WIB"
    WITA = "Asia/Makassar", "WITA"
    WIT = "Asia/Jayapura", "WIT"


def validate_date_in_range(value: datetime.date | datetime.datetime) -> None:
    """Refuse a date outside EARLIEST..LATEST, or a moment whose day in UTC is."""
    if isinstance(value, datetime.datetime):
        utc_in_range(value)
    elif not EARLIEST <= value <= LATEST:
        raise ValidationError(OUT_OF_RANGE, code="date_out_of_range")


def utc_in_range(moment: datetime.datetime) -> datetime.datetime:
    """An aware moment in UTC, refused when its day there lies outside EARLIEST..LATEST, and
    so also when UTC has no such moment (0001-01-01T00:00+07:00 is in year 0 there)."""
    try:
        moment = moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ValidationError(OUT_OF_RANGE, code="date_out_of_range") from None
    validate_date_in_range(moment.date())
    return moment


class BoundedDateField(forms.DateField):
    """A form's date, from EARLIEST to LATEST."""

    default_validators = [validate_date_in_range]


class BoundedDateFilter(django_filters.DateFilter):
    """A date filter (workspace lists, the API), from EARLIEST to LATEST."""

    field_class = BoundedDateField
