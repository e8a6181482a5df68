"""The downloads of the session and follow-up lists (plut.foundation.exports): the same scoped
FilterSets as the lists, so a file holds exactly the rows the screen shows, in its order.
Imported by MentoringConfig.ready, so a worker writing a large one knows them too."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from cooperatives.models import Cooperative, Enterprise
from mentoring.filters import FollowUpFilter, SessionFilter
from mentoring.models import FollowUp, MentoringSession
from mentoring.selectors.records import follow_ups_visible_to, sessions_visible_to
from mentoring.tables import follow_up_rows
from plut.foundation.accounts.models import User
from plut.foundation.exports.registry import ListExport, export_register


def _local(moment: datetime.datetime | None, zone: str) -> datetime.datetime | None:
    """A moment as the centre's wall clock shows it (spreadsheets have no time zones)."""
    if moment is None:
        return None
    return timezone.localtime(moment, ZoneInfo(zone)).replace(tzinfo=None)


# --- Sessions -------------------------------------------------------------------------------


def _sessions(user: User, params: QueryDict) -> SessionFilter:
    # Read in chunks: each chunk prefetches its clients' names.
    queryset = sessions_visible_to(user).prefetch_related(
        Prefetch("enterprises", queryset=Enterprise.objects.only("id", "name"))
    )
    return SessionFilter(params, queryset=queryset, user=user)


def _session_rows(sessions: Iterable[MentoringSession]) -> Iterator[list[Any]]:
    for session in sessions:
        province = session.centre.province
        yield [
            session.pk,
            _local(session.starts_at, province.timezone),
            province.timezone_label,
            session.centre.name,
            session.service_area.name,
            session.get_mode_display(),
            session.topic,
            session.consultant.display_name,
            "; ".join(enterprise.name for enterprise in session.enterprises.all()),
            session.contact_minutes,
        ]


SESSIONS = export_register(
    ListExport(
        name="sessions",
        title=_("Sesi pendampingan"),
        filename="sesi",
        headers=[
            _("ID"),
            _("Mulai (waktu setempat)"),
            _("Zona waktu"),
            _("PLUT"),
            _("Bidang layanan"),
            _("Cara"),
            _("Topik"),
            _("Konsultan"),
            _("UMKM"),
            _("Waktu kontak (menit)"),
        ],
        filterset=_sessions,
        rows=_session_rows,
    )
)


# --- Follow-ups -----------------------------------------------------------------------------


def follow_ups_filtered(
    user: User, params: QueryDict, *, with_clients: bool = False
) -> FollowUpFilter:
    """The follow-up list's FilterSet: the page's rows (which attach their centres), and with
    its clients and centres the download's."""
    queryset = follow_ups_visible_to(user)
    if with_clients:
        queryset = follow_ups_with_clients(queryset.select_related("centre__province"))
    else:
        queryset = follow_up_rows(queryset)
    return FollowUpFilter(params, queryset=queryset, user=user)


def follow_ups_with_clients(follow_ups: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """Each follow-up's session with its clients, by name, for the client column: two
    queries for each chunk of rows the download reads."""
    return follow_ups.prefetch_related(
        Prefetch(
            "session__enterprises", queryset=Enterprise.objects.only("name").order_by("name", "pk")
        ),
        Prefetch(
            "session__cooperatives",
            queryset=Cooperative.objects.only("name").order_by("name", "pk"),
        ),
    )


def _follow_ups_with_clients(user: User, params: QueryDict) -> FollowUpFilter:
    return follow_ups_filtered(user, params, with_clients=True)


def _client_names(session: MentoringSession) -> str:
    names = [e.name for e in session.enterprises.all()] + [
        c.name for c in session.cooperatives.all()
    ]
    return "; ".join(names)


def _follow_up_rows(follow_ups: Iterable[FollowUp]) -> Iterator[list[Any]]:
    for item in follow_ups:
        centre = item.centre
        if item.done_at:
            status = _t("Selesai")
        elif item.is_overdue:
            status = _t("Terlambat")
        else:
            status = _t("Terbuka")
        yield [
            item.pk,
            item.due_on,
            item.action,
            _client_names(item.session),
            item.session.topic,
            centre.name,
            item.assignee.display_name,
            status,
            _local(item.done_at, centre.province.timezone),
            item.done_note,
        ]


FOLLOW_UPS = export_register(
    ListExport(
        name="follow-ups",
        title=_("Tindak lanjut"),
        filename="tindak-lanjut",
        headers=[
            _("ID"),
            _("Tenggat"),
            _("Tindak lanjut"),
            _("Klien"),
            _("Sesi"),
            _("PLUT"),
            _("Penanggung jawab"),
            _("Status"),
            _("Selesai pada (waktu setempat)"),
            _("Catatan penyelesaian"),
        ],
        filterset=_follow_ups_with_clients,
        rows=_follow_up_rows,
    )
)
