"""Correcting an outcome: edited with the form and rules that record one, or deleted; the
dashboards' outcome figures follow at once, and the history keeps both."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from mentoring.models import FinancingSource, Outcome, OutcomeCheckIn, OutcomeSource
from mentoring.services.outcomes import OUTCOME_DELETED
from plut.foundation.core.history import history_for
from tests.factories import calendar
from tests.factories.mentoring import OutcomeFactory, SessionFactory

pytestmark = pytest.mark.django_db

REASON = "Salah UMKM."
PROVINCE_PAGE = "/dashboard/province/18/"
OUTCOME_PAGE_QUERIES = 6


def _edit(outcome: Outcome) -> str:
    return reverse("mentoring:outcome_update", args=[outcome.pk])


def _delete(outcome: Outcome) -> str:
    return reverse("mentoring:outcome_delete", args=[outcome.pk])


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _today(world) -> str:
    return calendar.local_today(world.a.centre).isoformat()


@pytest.fixture
def manager(client, world):
    client.force_login(world.a.manager)
    return client


# --- Editing --------------------------------------------------------------------------------


def test_the_edit_form_shows_the_outcome_and_saves_the_correction(manager, world):
    outcome = world.a.outcome
    page = manager.get(_edit(outcome))
    assert page.context["form"]["turnover"].value() == 600_000_000
    assert "Ubah hasil pendampingan" in page.content.decode()

    response = manager.post(
        _edit(outcome),
        {
            "recorded_on": _today(world),
            "turnover": "Rp 650.000.000",
            "employees": "6",
            "sessions": [world.a.session.pk],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "mentoring:enterprise_profile", args=[world.a.enterprise.pk]
    )
    outcome.refresh_from_db()
    assert (outcome.turnover, outcome.employees) == (650_000_000, 6)
    assert list(outcome.sessions.all()) == [world.a.session]
    assert outcome.source == OutcomeSource.STAFF  # who recorded it does not change
    entry = LogEntry.objects.get_for_object(outcome).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == world.a.manager
    assert entry.changes_dict["turnover"] == ["600000000", "650000000"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"turnover": "3,9"}, "Rupiah penuh tanpa koma"),
        ({"turnover": "1.000", "financing_source": FinancingSource.KUR}, "Isi jumlah pembiayaan"),
        ({}, "Isi minimal satu hasil yang terukur"),
        ({"turnover": "1.000", "days_ahead": 1}, "tidak boleh di masa depan"),
    ],
)
def test_the_edit_refuses_what_recording_refuses(manager, world, data, error):
    data = dict(data)
    day = calendar.local_today(world.a.centre) + datetime.timedelta(days=data.pop("days_ahead", 0))
    response = manager.post(_edit(world.a.outcome), {"recorded_on": day.isoformat(), **data})
    assert response.status_code == 200
    assert error in response.content.decode()
    world.a.outcome.refresh_from_db()
    assert world.a.outcome.turnover == 600_000_000


def test_only_sessions_the_enterprise_attended_may_be_linked(manager, world):
    elsewhere = SessionFactory(consultant=world.a.consultant)  # without this enterprise
    response = manager.post(
        _edit(world.a.outcome),
        {"recorded_on": _today(world), "turnover": "1.000", "sessions": [elsewhere.pk]},
    )
    assert response.status_code == 200
    assert not world.a.outcome.sessions.exists()


def test_an_edit_over_a_colleagues_change_is_refused_and_shows_theirs(manager, world):
    outcome = world.a.outcome
    seen = manager.get(_edit(outcome)).context["seen_form"]["seen"].value()
    Outcome.objects.filter(pk=outcome.pk).update(
        employees=9, updated_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    response = manager.post(
        _edit(outcome),
        {"recorded_on": _today(world), "turnover": "1.000", "employees": "4", "seen": seen},
    )
    assert response.status_code == 302 and response["Location"] == _edit(outcome)
    assert "baru saja diubah oleh pengguna lain" in _said(response)[-1]
    outcome.refresh_from_db()
    assert (outcome.turnover, outcome.employees) == (600_000_000, 9)
    assert manager.get(_edit(outcome)).context["form"]["employees"].value() == 9


# --- Deleting -------------------------------------------------------------------------------


def test_deleting_keeps_the_check_in_answered_and_the_sessions(manager, world):
    outcome = world.a.outcome
    outcome.sessions.add(world.a.session)
    check_in = OutcomeCheckIn.objects.create(
        enterprise=world.a.enterprise, months=3, answered_at=timezone.now(), outcome=outcome
    )
    page = manager.get(_delete(outcome)).content.decode()
    assert "pertanyaan 3 bulan" in page and "Tautan ke 1 sesi dilepas" in page

    response = manager.post(_delete(outcome), {"reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "mentoring:enterprise_profile", args=[world.a.enterprise.pk]
    )
    assert not Outcome.objects.filter(pk=outcome.pk).exists()
    check_in.refresh_from_db()
    assert check_in.answered_at is not None and check_in.outcome_id is None
    assert world.a.session.__class__.objects.filter(pk=world.a.session.pk).exists()
    assert _said(response) == [
        "Hasil pendampingan dihapus. Angka dasbor dihitung ulang tanpa hasil ini."
    ]


def test_the_audit_log_and_the_enterprise_history_keep_it(manager, world):
    outcome = world.a.outcome
    manager.post(_delete(outcome), {"reason": REASON})
    entry = LogEntry.objects.get(
        content_type__model="outcome", object_pk=str(outcome.pk), action=LogEntry.Action.DELETE
    )
    assert entry.actor == world.a.manager
    assert entry.changes_dict["turnover"][0] == "600000000"
    assert entry.additional_data["enterprise_id"] == world.a.enterprise.pk
    note = history_for(world.a.enterprise)[0]
    changes = {change.field: change for change in note.changes}
    assert f"(#{outcome.pk})" in changes[OUTCOME_DELETED].old
    assert changes["Alasan penghapusan"].new == REASON


def _financing(client) -> float:
    cards = client.get(PROVINCE_PAGE).context["data"]["kpis"]["cards"]
    return next(c for c in cards if c["key"] == "financing")["current"]


def test_the_dashboard_follows_an_edit_and_a_delete(client, world):
    Outcome.objects.filter(pk=world.a.outcome.pk).update(
        financing_amount=50_000_000, financing_source=FinancingSource.KUR
    )
    client.force_login(world.a.officer)
    assert _financing(client) == 50_000_000  # computed, and kept as a snapshot

    client.force_login(world.a.manager)
    client.post(
        _edit(world.a.outcome),
        {
            "recorded_on": _today(world),
            "financing_amount": "80.000.000",
            "financing_source": FinancingSource.KUR,
        },
    )
    client.force_login(world.a.officer)
    assert _financing(client) == 80_000_000

    client.force_login(world.a.manager)
    client.post(_delete(world.a.outcome), {"reason": REASON})
    client.force_login(world.a.officer)
    assert _financing(client) == 0


def test_a_second_post_says_who_deleted_it(manager, world):
    url = _delete(world.a.outcome)
    manager.post(url, {"reason": REASON})
    for again in (manager.post(url, {"reason": REASON}), manager.get(_edit(world.a.outcome))):
        assert again.status_code == 302
        assert again["Location"] == reverse(
            "mentoring:enterprise_profile", args=[world.a.enterprise.pk]
        )
        assert "sudah dihapus oleh" in _said(again)[-1]


@pytest.mark.parametrize("extra", [0, 20])
def test_the_confirmation_page_costs_the_same(manager, world, django_assert_num_queries, extra):
    for _ in range(extra):
        world.a.outcome.sessions.add(
            SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
        )
    with django_assert_num_queries(OUTCOME_PAGE_QUERIES):
        assert manager.get(_delete(world.a.outcome)).status_code == 200


def test_a_self_reported_outcome_is_the_managers(client, world):
    reported = OutcomeFactory(
        enterprise=world.a.enterprise, source=OutcomeSource.SELF_REPORTED, reported_by=None
    )
    client.force_login(world.a.consultant)
    assert client.get(_edit(reported)).status_code == 403
    client.force_login(world.a.manager)
    assert client.get(_edit(reported)).status_code == 200
