"""The session list's table (plut.core.tables): its columns and the columns they read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mentoring.models import MentoringSession, Mode
from plut.core.tables import Column, Table, moment, url_by_pk

# What the cells read, for .only(): a session row with every column of its centre, province and
# consultant was most of the page's Python time. Centres and their provinces are not joined
# but attached to the page afterwards (clinics.selectors.attach_centres): with them, the
# query's six tables took longer to plan than to run.
SESSION_FIELDS = (
    "starts_at",
    "topic",
    "mode",
    "centre",
    "service_area__name_id",
    "service_area__name_en",
    "consultant__first_name",
    "consultant__last_name",
    "consultant__username",
)


def session_rows(sessions: QuerySet[MentoringSession]) -> QuerySet[MentoringSession]:
    """The columns the table reads; attach_centres() the page of them before it is shown."""
    return (
        sessions.select_related(None)
        .select_related("service_area", "consultant")
        .only(*SESSION_FIELDS)
    )


def session_table(
    sessions: Iterable[MentoringSession],
    *,
    clients: dict[int, list[str]],
    several_centres: bool,
    empty: Any,
) -> Table[MentoringSession]:
    """``clients``: each session's clients' names (mentoring.selectors.client_names)."""
    detail = url_by_pk("mentoring:session_detail")
    modes = {value: str(label) for value, label in Mode.choices}
    centre = [Column(_("PLUT"), lambda s: s.centre.name)] if several_centres else []
    columns = [
        Column(_("Waktu"), lambda s: moment(s.starts_at, s.centre.province.timezone)),
        *centre,
        Column(_("Bidang"), lambda s: s.service_area.name),
        Column(_("Cara"), lambda s: modes.get(s.mode, s.mode)),
        Column(_("Topik"), lambda s: s.topic, link=lambda s: detail(s.pk)),
        Column(_("Konsultan"), lambda s: s.consultant.display_name),
        Column(_("UMKM"), lambda s: ", ".join(clients.get(s.pk, ()))),
    ]
    return Table(columns, sessions, empty=empty)
