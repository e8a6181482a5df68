"""Deleting a follow-up added by mistake: gone from the list, noted in its session's history."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from mentoring.models import FollowUp, MentoringSession
from mentoring.services.follow_ups import FOLLOW_UP_DELETED
from plut.foundation.core.history import history_for
from tests.factories.mentoring import FollowUpFactory

pytestmark = pytest.mark.django_db

REASON = "Salah sesi."
FOLLOW_UP_PAGE_QUERIES = 4


def _url(follow_up: FollowUp) -> str:
    return reverse("mentoring:follow_up_delete", args=[follow_up.pk])


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_consultant_deletes_their_follow_up_and_the_session_stays(client, world):
    follow_up = world.a.follow_up
    client.force_login(world.a.consultant)
    response = client.post(_url(follow_up), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("mentoring:session_detail", args=[world.a.session.pk])
    assert _said(response) == [f"Tindak lanjut “{follow_up.action}” dihapus."]
    assert not FollowUp.objects.filter(pk=follow_up.pk).exists()
    assert MentoringSession.objects.filter(pk=world.a.session.pk).exists()
    listed = client.get(reverse("mentoring:follow_up_list")).context["rows"]
    assert [row.item.pk for row in listed] == []


def test_from_the_list_it_goes_back_to_the_list(client, world):
    client.force_login(world.a.manager)
    back = reverse("mentoring:follow_up_list") + "?status=open"
    page = client.get(_url(world.a.follow_up), {"next": back})
    assert page.context["next_url"] == back
    response = client.post(_url(world.a.follow_up), {"reason": REASON, "next": back})
    assert response["Location"] == back
    elsewhere = client.post(
        _url(FollowUpFactory(session=world.a.session)),
        {"reason": REASON, "next": "https://example.org/"},
    )
    assert elsewhere["Location"] == reverse("mentoring:session_detail", args=[world.a.session.pk])


def test_a_done_follow_up_can_go_too(client, world):
    FollowUp.objects.filter(pk=world.a.follow_up.pk).update(
        done_at=timezone.now(), done_note="Selesai"
    )
    client.force_login(world.a.manager)
    assert "Selesai" in client.get(_url(world.a.follow_up)).content.decode()
    assert client.post(_url(world.a.follow_up), {"reason": REASON}).status_code == 302


def test_the_audit_log_and_the_session_history_keep_it(client, world):
    follow_up = world.a.follow_up
    client.force_login(world.a.manager)
    client.post(_url(follow_up), {"reason": REASON})
    entry = LogEntry.objects.get(
        content_type__model="followup", object_pk=str(follow_up.pk), action=LogEntry.Action.DELETE
    )
    assert (entry.actor, entry.additional_data["reason"]) == (world.a.manager, REASON)
    assert entry.changes_dict["action"][0] == follow_up.action
    note = history_for(world.a.session)[0]
    changes = {change.field: change for change in note.changes}
    assert follow_up.action in changes[FOLLOW_UP_DELETED].old
    page = client.get(reverse("mentoring:session_detail", args=[world.a.session.pk]))
    assert FOLLOW_UP_DELETED in page.content.decode()


def test_a_second_post_says_who_deleted_it(client, world):
    client.force_login(world.a.manager)
    url = _url(world.a.follow_up)
    client.post(url, {"reason": REASON})
    again = client.post(url, {"reason": REASON})
    assert again.status_code == 302
    assert again["Location"] == reverse("mentoring:follow_up_list")
    assert "sudah dihapus oleh" in _said(again)[-1]


def test_a_follow_up_closed_meanwhile_is_shown_again(client, world):
    client.force_login(world.a.manager)
    seen = client.get(_url(world.a.follow_up)).context["form"]["seen"].value()
    FollowUp.objects.filter(pk=world.a.follow_up.pk).update(
        done_at=timezone.now(),
        done_note="Dokumen lengkap",
        updated_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    response = client.post(_url(world.a.follow_up), {"reason": REASON, "seen": seen})
    assert response.status_code == 200
    body = response.content.decode()
    assert "baru saja diubah oleh pengguna lain" in body and "Dokumen lengkap" in body
    assert FollowUp.objects.filter(pk=world.a.follow_up.pk).exists()


@pytest.mark.parametrize("extra", [0, 20])
def test_the_confirmation_page_costs_the_same(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        FollowUpFactory(session=world.a.session)
    client.force_login(world.a.manager)
    with django_assert_num_queries(FOLLOW_UP_PAGE_QUERIES):
        assert client.get(_url(world.a.follow_up)).status_code == 200
