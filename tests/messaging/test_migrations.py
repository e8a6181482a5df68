"""Migration 0005 on rows written before it: a failure reason in one language reads in every
language, an opt-out of both WhatsApp and SMS stays on both channels; and back again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("messaging", "0004_delivery_receipts_opt_outs_senders")]
AFTER = [("messaging", "0005_reasons_opt_outs_per_channel_sender_ids")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before():
    """The schema of 0004; the latest applied again afterwards, whatever the test did (the
    tests that follow share this database)."""
    try:
        yield _migrate(BEFORE)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_reasons_and_opt_outs_from_before_are_kept_per_language_and_channel(before):
    before.get_model("messaging", "Message").objects.create(
        key="old:1", kind="agenda", channel="sms", recipient="+6281", last_error="SMTP 550"
    )
    OptOut = before.get_model("messaging", "OptOut")
    OptOut.objects.create(phone="+6281234567890", source="whatsapp")
    OptOut.objects.create(phone="+6281234567891", source="provider")

    after = _migrate(AFTER)
    message = after.get_model("messaging", "Message").objects.get(key="old:1")
    assert message.last_error_texts == {"id": "SMTP 550", "en": "SMTP 550"}
    rows = after.get_model("messaging", "OptOut").objects.order_by("phone", "channel")
    assert [(row.phone, row.channel, row.source, row.active) for row in rows] == [
        ("+6281234567890", "sms", "whatsapp", True),
        ("+6281234567890", "whatsapp", "whatsapp", True),
        ("+6281234567891", "sms", "provider", True),
        ("+6281234567891", "whatsapp", "provider", True),
    ]

    # A lifted opt-out is no opt-out under the old rules; a number stopped on one channel
    # asked for no more messages on it: kept, once.
    after.get_model("messaging", "OptOut").objects.filter(
        phone="+6281234567891", channel="whatsapp"
    ).update(active=False)
    again = _migrate(BEFORE)
    message = again.get_model("messaging", "Message").objects.get(key="old:1")
    assert message.last_error == "SMTP 550"
    rows = again.get_model("messaging", "OptOut").objects.order_by("phone")
    assert [(row.phone, row.source) for row in rows] == [
        ("+6281234567890", "whatsapp"),
        ("+6281234567891", "provider"),
    ]
