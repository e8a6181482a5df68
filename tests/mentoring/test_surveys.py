"""The satisfaction survey: logging a session asks each attending owner once, through a
signed link that needs no login; the answer is taken once and feeds the dashboards."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from mentoring.models import SatisfactionSurvey
from mentoring.services.sessions import session_log
from mentoring.services.surveys import survey_from_token, survey_token, surveys_send
from plut.foundation.messaging.models import Message
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import SessionFactory
from tests.messaging.fixtures import fake_provider, phone_channels  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _log(side, enterprises, attendance):
    session, _ = session_log(
        centre=side.centre,
        consultant=side.consultant,
        values={
            "service_area": side.centre.service_areas.get(code="financing"),
            "mode": "in_person",
            "starts_at": timezone.now() - datetime.timedelta(hours=2),
            "ends_at": timezone.now() - datetime.timedelta(hours=1),
            "topic": "Pengajuan KUR",
        },
        attendance=attendance,
        cooperatives=[],
        follow_ups=[],
        submission_key=uuid.uuid4(),
    )
    return session


def test_logging_a_session_asks_each_owner_who_came_once(world):
    came = world.a.enterprise
    came.owner.email = "pemilik@contoh.id"
    came.owner.save()
    absent = EnterpriseFactory(centre=world.a.centre, owner__email="absen@contoh.id")
    session = _log(world.a, [came, absent], {came.pk: True, absent.pk: False})
    survey = SatisfactionSurvey.objects.get(session=session)
    assert survey.enterprise == came
    assert survey.sent_at is not None and survey.score is None
    message = Message.objects.get(kind="survey")
    assert message.recipient == "pemilik@contoh.id"
    link = re.search(r"/survei/(\S+)/", message.body)
    assert survey_from_token(link.group(1)) == survey
    # Again (a retry, a re-save): nothing new.
    assert surveys_send(session=session) == 0
    assert Message.objects.filter(kind="survey").count() == 1


def test_an_owner_without_email_is_asked_by_whatsapp_when_it_is_configured(
    world,
    phone_channels,  # noqa: F811 (the fixture imported above)
):
    session = _log(world.a, [world.a.enterprise], {world.a.enterprise.pk: True})
    message = Message.objects.get(kind="survey")
    assert (message.channel, message.recipient) == ("whatsapp", world.a.person.phone)
    assert SatisfactionSurvey.objects.filter(session=session).exists()


def test_an_owner_who_cannot_be_reached_gets_no_survey_row(world):
    # The world's owner has a phone but no email, and no phone channel is configured.
    session = _log(world.a, [world.a.enterprise], {world.a.enterprise.pk: True})
    assert not SatisfactionSurvey.objects.filter(session=session).exists()


@pytest.fixture
def survey(world):
    return SatisfactionSurvey.objects.create(
        session=world.a.session, enterprise=world.a.enterprise, sent_at=timezone.now()
    )


def _url(survey):
    return reverse("booking:survey", args=[survey_token(survey)])


def test_the_survey_page_needs_no_login_and_costs_one_query(
    client, survey, django_assert_num_queries
):
    # The survey with its session, centre, province and area (the rate limit is in the cache).
    with django_assert_num_queries(1):
        response = client.get(_url(survey))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Seberapa puas Anda" in body
    assert world_zone_label(survey) in body


def world_zone_label(survey):
    return survey.session.centre.province.timezone_label


def test_an_answer_is_taken_once(client, survey):
    response = client.post(_url(survey), {"score": "4", "comment": "  Sangat membantu  "})
    assert response.status_code == 200
    assert "Terima kasih" in response.content.decode()
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Sangat membantu")
    assert survey.answered_at is not None
    client.post(_url(survey), {"score": "1", "comment": "ubah"})
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Sangat membantu")


@pytest.mark.parametrize("score", ["0", "6", "", "lima"])
def test_a_score_outside_1_to_5_is_refused(client, survey, score):
    response = client.post(_url(survey), {"score": score})
    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.score is None and survey.answered_at is None


def test_an_old_link_has_expired(client, survey, settings):
    settings.MESSAGING_LINK_MAX_AGE_DAYS = 30
    token = survey_token(survey)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        response = client.get(reverse("booking:survey", args=[token]))
    assert response.status_code == 410


def test_a_forged_link_is_not_found(client, survey):
    response = client.get(reverse("booking:survey", args=[survey_token(survey) + "x"]))
    assert response.status_code == 404
    # A booking's manage link signs a number too; the salts keep it from opening a survey.
    from mentoring.selectors.bookings import manage_token

    booking = survey.enterprise.bookings.first()
    booking.pk = survey.pk
    assert client.get(reverse("booking:survey", args=[manage_token(booking)])).status_code == 404


def test_scores_must_be_1_to_5_in_the_database_too(survey):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionSurvey.objects.filter(pk=survey.pk).update(score=9)


def test_one_survey_per_session_and_enterprise(survey):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionSurvey.objects.create(session=survey.session, enterprise=survey.enterprise)


def test_group_sessions_ask_every_attending_enterprise(world):
    others = [
        EnterpriseFactory(centre=world.a.centre, owner__email=f"u{i}@contoh.id") for i in range(3)
    ]
    session = SessionFactory(consultant=world.a.consultant, enterprises=others)
    assert surveys_send(session=session) == 3
    assert SatisfactionSurvey.objects.filter(session=session).count() == 3


def test_a_session_typed_in_weeks_later_is_not_surveyed(world):
    old = EnterpriseFactory(centre=world.a.centre, owner__email="lama@contoh.id")
    session = SessionFactory(
        consultant=world.a.consultant,
        enterprises=[old],
        starts_at=timezone.now() - datetime.timedelta(days=15),
    )
    assert surveys_send(session=session) == 0
    assert not SatisfactionSurvey.objects.filter(session=session).exists()
