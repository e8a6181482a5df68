"""The audit trail masks a person's NIK and phone as the pages do, and the entries written with
django-auditlog's weaker default mask are masked again by cooperatives migration 0007."""

from __future__ import annotations

import importlib

import pytest
from auditlog.models import LogEntry
from django.apps import apps

from cooperatives.masking import audit_mask
from tests.factories.cooperatives import PersonFactory

pytestmark = pytest.mark.django_db

remasking = importlib.import_module("cooperatives.migrations.0007_audit_trail_masks")


def test_the_trail_uses_the_pages_masks():
    assert audit_mask("1871011205850001") == "187101********01"
    assert audit_mask("+6281234567890") == "+62812****7890"
    assert audit_mask("") == ""


def test_entries_masked_the_old_way_are_masked_again_and_others_are_left(reference_data):
    person = PersonFactory()
    entry = LogEntry.objects.get_for_object(person).get()
    # auditlog's default: the first half hidden, the birth month and year and serial shown.
    LogEntry.objects.filter(pk=entry.pk).update(
        changes={
            "nik": ["", "********05850001"],
            "phone": ["*******4567890", "+62812****7890"],
            "full_name": ["", "Siti Rahma"],
        }
    )
    remasking.remask(apps, None)
    entry.refresh_from_db()
    assert entry.changes["nik"] == ["", "**************01"]
    assert entry.changes["phone"] == ["************90", "+62812****7890"]
    assert entry.changes["full_name"] == ["", "Siti Rahma"]
