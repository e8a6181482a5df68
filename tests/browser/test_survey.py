"""An owner answers the satisfaction survey on a small phone, from the link in the message
sent after their session was logged: no login, one tap for the score, a comment, done."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from clinics.models import Centre
from mentoring.models import SatisfactionSurvey
from mentoring.services.surveys import surveys_send
from plut.foundation.messaging.models import Message
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_an_owner_answers_the_survey_on_a_phone(page: Page, live_server, reference_data):
    # The centre given explicitly: the factory's own iterator may hold ids from before the
    # previous transactional test emptied the tables.
    consultant = StaffFactory(centre=Centre.objects.first()).user
    enterprise = EnterpriseFactory(
        centre=consultant.staff_membership.centre, owner__email="sari@contoh.id"
    )
    session = SessionFactory(consultant=consultant, enterprises=[enterprise])
    surveys_send(session=session)
    path = re.search(r"/survei/\S+/", Message.objects.get(kind="survey").body).group(0)

    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", name="Survei kepuasan")).to_be_visible()
    page.get_by_label("4 · Puas").check()
    page.get_by_label("Komentar atau saran").fill("Penjelasannya jelas, terima kasih.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Kirim jawaban").click()

    expect(page.get_by_text("Jawaban Anda sudah kami terima")).to_be_visible()
    survey = SatisfactionSurvey.objects.get(session=session)
    assert (survey.score, survey.comment) == (4, "Penjelasannya jelas, terima kasih.")
    # Opening the link again shows the answer, not the form.
    page.goto(live_server.url + path)
    expect(page.get_by_role("button", name="Kirim jawaban")).to_have_count(0)
    expect(page.get_by_text("Nilai Anda: 4 dari 5.")).to_be_visible()
