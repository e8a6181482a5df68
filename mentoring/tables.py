"""The session list's table (plut.foundation.core.tables): its columns and the columns they read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from clinics.models import ServiceArea
from clinics.selectors import attach_centres
from mentoring.models import MentoringSession, Mode
from plut.foundation.accounts.models import User
from plut.foundation.core.tables import Column, Table, moment, url_by_pk

# What the cells read, for .only(): a session row with every column of its centre, province and
# consultant was most of the page's Python time. Centres and their provinces are not joined
# but attached to the page afterwards (clinics.selectors.attach_centres): with them, the
# query's six tables took longer to plan than to run. The area's and the consultant's names
# are columns of the session's row, not models of their own (two fewer models a row).
SESSION_FIELDS = ("starts_at", "topic", "mode", "centre")


def session_rows(sessions: QuerySet[MentoringSession]) -> QuerySet[MentoringSession]:
    """The columns the table reads; session_table() attaches their centres."""
    return (
        sessions.select_related(None)
        .only(*SESSION_FIELDS)
        .annotate(
            area_name_id=F("service_area__name_id"),
            area_name_en=F("service_area__name_en"),
            consultant_first_name=F("consultant__first_name"),
            consultant_last_name=F("consultant__last_name"),
            consultant_username=F("consultant__username"),
        )
    )


def session_table(
    sessions: Iterable[MentoringSession],
    *,
    clients: dict[int, list[str]],
    several_centres: bool,
    empty: Any,
) -> Table[MentoringSession]:
    """``clients``: each session's clients' names (mentoring.selectors.client_names)."""
    sessions = list(sessions)
    attach_centres(sessions)  # every row reads its centre: at once, not a query a row
    detail = url_by_pk("mentoring:session_detail")
    modes = {value: str(label) for value, label in Mode.choices}
    centre = [Column(_("PLUT"), lambda s: s.centre.name)] if several_centres else []
    columns = [
        Column(_("Waktu"), lambda s: moment(s.starts_at, s.centre.province.timezone)),
        *centre,
        Column(_("Bidang"), lambda s: ServiceArea.name_in(s.area_name_id, s.area_name_en)),
        Column(_("Cara"), lambda s: modes.get(s.mode, s.mode)),
        Column(_("Topik"), lambda s: s.topic, link=lambda s: detail(s.pk)),
        Column(
            _("Konsultan"),
            lambda s: User.name_shown(
                s.consultant_first_name, s.consultant_last_name, s.consultant_username
            ),
        ),
        Column(_("UMKM"), lambda s: ", ".join(clients.get(s.pk, ()))),
    ]
    return Table(columns, sessions, empty=empty)
