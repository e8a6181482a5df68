"""Satisfaction surveys: after a session is logged, each enterprise that attended is asked
for a score from 1 to 5 and a comment, through a signed link that needs no login.

The survey row is created with the session (same transaction) and its message goes through
the outbox under the key ``survey:<id>``; the answer is taken once (a conditional update).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperatives.models import Enterprise
from mentoring.models import Booking, MentoringSession, SatisfactionSurvey
from plut.foundation.messaging.channels import contact_choose
from plut.foundation.messaging.services import message_queue, user_language

SURVEY_SALT = "mentoring.survey"
# Sessions logged later than this after they happened (records typed in from paper) are not
# surveyed: the owner would barely remember, and a burst of old surveys looks like spam.
SURVEY_WITHIN = datetime.timedelta(days=14)


def link_max_age() -> datetime.timedelta:
    return datetime.timedelta(days=settings.MESSAGING_LINK_MAX_AGE_DAYS)


def owner_contact(enterprise: Enterprise, booking: Booking | None = None) -> dict[str, Any] | None:
    """How to reach an enterprise's owner: channel, address and language, or None.

    A booking behind the session says how they wanted to be told; an owner account says which
    language they read.
    """
    owner = enterprise.owner
    choice = contact_choose(
        email=owner.email,
        phone=owner.phone,
        preferred=booking.preferred_channel if booking else "email",
        centre_id=enterprise.centre_id,
    )
    if choice is None:
        return None
    if owner.user_id:
        language = user_language(owner.user)
    else:
        language = booking.language if booking else settings.LANGUAGE_CODE
    # The email is where a WhatsApp message that fails goes instead (when there is no SMS).
    return {
        "channel": choice[0],
        "to": choice[1],
        "language": language,
        "fallback_email": owner.email,
    }


def survey_token(survey: SatisfactionSurvey) -> str:
    return signing.dumps(survey.pk, salt=SURVEY_SALT, compress=True)


def survey_from_token(token: str) -> SatisfactionSurvey:
    """``signing.BadSignature`` (``SignatureExpired`` when too old) or ``DoesNotExist``."""
    pk = signing.loads(token, salt=SURVEY_SALT, max_age=link_max_age())
    return SatisfactionSurvey.objects.select_related(
        "session__centre__province", "session__service_area", "enterprise"
    ).get(pk=pk)


def surveys_send(*, session: MentoringSession) -> int:
    """Ask every enterprise that attended ``session``; once each. Returns how many were asked.

    Call inside the transaction that logs the session.
    """
    if session.starts_at < timezone.now() - SURVEY_WITHIN:
        return 0  # a back-filled old session: too late to ask how it went
    booking = Booking.objects.filter(session=session).first()
    enterprises = Enterprise.objects.filter(
        sessionenterprise__session=session, sessionenterprise__attended=True
    ).select_related("owner__user")
    asked = 0
    for enterprise in enterprises:
        contact = owner_contact(enterprise, booking)
        if contact is None:
            continue
        survey, created = SatisfactionSurvey.objects.get_or_create(
            session=session, enterprise=enterprise, defaults={"sent_at": timezone.now()}
        )
        if not created:
            continue
        url = settings.SITE_URL + reverse("booking:survey", args=[survey_token(survey)])
        message_queue(
            key=f"survey:{survey.pk}",
            kind="survey",
            template="mentoring/email/survey",
            whatsapp_template="survey",
            context={"session": session, "enterprise": enterprise, "url": url},
            centre=session.centre,
            about=session,
            **contact,
        )
        asked += 1
    return asked


def survey_answer(*, survey: SatisfactionSurvey, score: int, comment: str) -> SatisfactionSurvey:
    """Record the answer, once: a second submit (another tab, a forwarded link) is refused."""
    if score not in range(1, 6):
        raise ValidationError({"score": _("Pilih nilai 1 sampai 5.")})
    now = timezone.now()
    answered = SatisfactionSurvey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        score=score, comment=comment.strip()[:2000], answered_at=now, updated_at=now
    )
    if not answered:
        raise ValidationError(_("Survei ini sudah dijawab. Terima kasih."), code="answered")
    survey.refresh_from_db()
    return survey
