"""Outcome check-ins: 3 and 6 months after an enterprise's first session, its owner is asked
(signed link, no login) for turnover, employees, financing and permits obtained. The answer
becomes an ``Outcome`` marked self-reported, which the centre's staff can then verify.
"""

from __future__ import annotations

import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperatives.models import Enterprise
from mentoring.models import Outcome, OutcomeCheckIn, OutcomeSource
from mentoring.services.outcomes import outcome_can_record
from mentoring.services.surveys import link_max_age, owner_contact
from plut.foundation.accounts.models import User
from plut.foundation.messaging.services import message_queue

CHECK_IN_SALT = "mentoring.check-in"
CHECK_IN_MONTHS = (3, 6)
# A check-in that comes due while the portal was off (or at its first install) still goes
# out within this window; older ones are not worth asking any more.
CATCH_UP = relativedelta(months=3)


def check_in_token(check_in: OutcomeCheckIn) -> str:
    return signing.dumps(check_in.pk, salt=CHECK_IN_SALT, compress=True)


def check_in_from_token(token: str) -> OutcomeCheckIn:
    pk = signing.loads(token, salt=CHECK_IN_SALT, max_age=link_max_age())
    return OutcomeCheckIn.objects.select_related("enterprise__centre__province").get(pk=pk)


def check_ins_queue(*, now: datetime.datetime | None = None) -> int:
    """Ask the enterprises whose 3- or 6-month mark has come. Once each (months in the key)."""
    now = now or timezone.now()
    queued = 0
    for months in CHECK_IN_MONTHS:
        due_before = now - relativedelta(months=months)
        enterprises = (
            Enterprise.objects.filter(sessionenterprise__attended=True)
            .annotate(first_session=Min("sessionenterprise__session__starts_at"))
            .filter(
                first_session__lte=due_before,
                first_session__gt=due_before - CATCH_UP,
            )
            .exclude(check_ins__months=months)
            .select_related("owner__user", "centre")
        )
        for enterprise in enterprises:
            contact = owner_contact(enterprise)
            if contact is None:
                continue
            with transaction.atomic():
                check_in, created = OutcomeCheckIn.objects.get_or_create(
                    enterprise=enterprise, months=months, defaults={"sent_at": now}
                )
                if not created:
                    continue
                url = settings.SITE_URL + reverse(
                    "booking:check_in", args=[check_in_token(check_in)]
                )
                message_queue(
                    key=f"check-in:{enterprise.pk}:{months}m",
                    kind=f"check-in-{months}m",
                    template="mentoring/email/check_in",
                    whatsapp_template="check_in",
                    context={"enterprise": enterprise, "months": months, "url": url},
                    centre=enterprise.centre,
                    **contact,
                )
            queued += 1
    return queued


@transaction.atomic
def check_in_answer(*, check_in: OutcomeCheckIn, data: dict[str, Any]) -> Outcome:
    """Turn the owner's answer into a self-reported outcome, once."""
    now = timezone.now()
    taken = OutcomeCheckIn.objects.filter(pk=check_in.pk, answered_at__isnull=True).update(
        answered_at=now, updated_at=now
    )
    if not taken:
        raise ValidationError(_("Pertanyaan ini sudah dijawab. Terima kasih."), code="answered")
    outcome = Outcome(
        enterprise=check_in.enterprise,
        recorded_on=timezone.localdate(now),
        source=OutcomeSource.SELF_REPORTED,
        **data,
    )
    outcome.full_clean()
    outcome.save()
    OutcomeCheckIn.objects.filter(pk=check_in.pk).update(outcome=outcome)
    check_in.refresh_from_db()
    return outcome


def outcome_can_verify(*, user: User, outcome: Outcome) -> bool:
    """Whoever may record the enterprise's outcomes may confirm a self-reported one."""
    return (
        outcome.source == OutcomeSource.SELF_REPORTED
        and outcome.verified_at is None
        and outcome_can_record(user=user, enterprise=outcome.enterprise)
    )


def outcome_verify(*, outcome: Outcome, by: User) -> Outcome:
    if not outcome_can_verify(user=by, outcome=outcome):
        raise ValidationError(_("Hasil ini tidak dapat diverifikasi."), code="forbidden")
    now = timezone.now()
    Outcome.objects.filter(pk=outcome.pk, verified_at__isnull=True).update(
        verified_by=by, verified_at=now, updated_at=now
    )
    outcome.refresh_from_db()
    return outcome
