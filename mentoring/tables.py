"""The workspace lists' rows and the columns they read: the session list's table
(plut.foundation.core.tables), the follow-up list's rows, Hari ini's tables and the inbox's
cards. All are written in Python: a row through the template engine cost more than the page's
queries."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from clinics.models import ServiceArea
from clinics.selectors import attach_centres
from mentoring.models import (
    Booking,
    BookingStatus,
    FollowUp,
    MentoringSession,
    Mode,
    SessionEnterprise,
)
from mentoring.selectors.records import client_names
from plut.foundation.accounts.models import User
from plut.foundation.core.markup import escape
from plut.foundation.core.tables import Column, Table, day, moment, url_by_pk

# The words the rows write, translated once per language and escaped, not once a row
# (gettext() for each label of fifty cards cost more than the cards' queries).
_WORDS = {
    "late": _("(terlambat)"),
    "due_today": _("(hari ini)"),
    "done": _("Selesai"),
    "done_note": _("Catatan penyelesaian"),
    "done_hint": _("Catatan hasil"),
    "mark_done": _("Tandai selesai"),
    "open": _("Terbuka"),
    "delete": _("Hapus"),
    "log": _("Catat sesi"),
    "unassigned": _("Belum ditetapkan"),
    "enterprise": _("UMKM"),
    "centre": _("PLUT"),
    "area": _("Bidang"),
    "mode": _("Cara"),
    "consultant": _("Konsultan"),
    "status": _("Status"),
    "assign_first": _("Tetapkan konsultan dulu sebelum mengonfirmasi."),
    "confirm": _("Konfirmasi"),
    "take": _("Saya yang menangani"),
    "no_show": _("Tandai tidak hadir"),
    "session": _("Lihat sesi yang dicatat"),
    "reassign": _("Ganti konsultan"),
    "assign": _("Tetapkan konsultan"),
    "choose": _("— pilih konsultan —"),
    "covering": _("Menangani bidang ini"),
    "others": _("Konsultan lain"),
    "save_consultant": _("Simpan konsultan"),
    "decline_title": _("Tolak pemesanan"),
    "cancel_title": _("Batalkan pemesanan"),
    "decline": _("Tolak"),
    "cancel": _("Batalkan"),
    "reason": _("Alasan (dibaca pelaku usaha)"),
}


@functools.lru_cache(maxsize=8)
def _words_in(language: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        **{key: escape(text) for key, text in _WORDS.items()},
        modes={value: escape(label) for value, label in Mode.choices},
        statuses={value: escape(label) for value, label in BookingStatus.choices},
    )


def words() -> SimpleNamespace:
    """The rows' words in the active language (``w.late``, ``w.statuses[status]``...)."""
    return _words_in(get_language())


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
    # The topic first: the column a phone holds in view while the others scroll (portal.css).
    columns = [
        Column(_("Topik"), lambda s: s.topic, link=lambda s: detail(s.pk)),
        Column(_("Waktu"), lambda s: moment(s.starts_at, s.centre.province.timezone)),
        Column(_("UMKM"), lambda s: ", ".join(clients.get(s.pk, ()))),
        *centre,
        Column(_("Bidang"), lambda s: ServiceArea.name_in(s.area_name_id, s.area_name_en)),
        Column(_("Cara"), lambda s: modes.get(s.mode, s.mode)),
        Column(
            _("Konsultan"),
            lambda s: User.name_shown(
                s.consultant_first_name, s.consultant_last_name, s.consultant_username
            ),
        ),
    ]
    return Table(columns, sessions, empty=empty)


def client_links(session_ids: Iterable[int]) -> dict[int, SafeString]:
    """Each session's clients, linked to their profiles: its enterprises, then its
    cooperatives, each by name. Two queries of three columns for a page of any length: a
    prefetch built a model and a related manager for every client and every row
    (docs/performance.md, session 14: the workspace)."""
    ids = set(session_ids)
    if not ids:
        return {}
    enterprise = url_by_pk("mentoring:enterprise_profile")
    cooperative = url_by_pk("mentoring:cooperative_profile")
    links: dict[int, list[str]] = defaultdict(list)
    for session_id, pk, name in (
        SessionEnterprise.objects.filter(session__in=ids)
        .order_by("enterprise__name", "enterprise_id")
        .values_list("session_id", "enterprise_id", "enterprise__name")
    ):
        links[session_id].append(f'<a href="{enterprise(pk)}">{escape(name)}</a>')
    for session_id, pk, name in (
        MentoringSession.cooperatives.through.objects.filter(mentoringsession__in=ids)
        .order_by("cooperative__name", "cooperative_id")
        .values_list("mentoringsession_id", "cooperative_id", "cooperative__name")
    ):
        links[session_id].append(f'<a href="{cooperative(pk)}">{escape(name)}</a>')
    return {session_id: mark_safe(", ".join(parts)) for session_id, parts in links.items()}


@dataclass(frozen=True)
class RowForms:
    """What every row's forms on a page share, written once: the CSRF field and where the
    forms send the user back to."""

    csrf: str
    next_url: str

    @classmethod
    def of(cls, request: HttpRequest, next_url: str) -> RowForms:
        token = escape(get_token(request))
        return cls(f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">', next_url)

    @property
    def next_field(self) -> str:
        return f'<input type="hidden" name="next" value="{escape(self.next_url)}">'


@dataclass
class FollowUpRow:
    """One row of the follow-up list (the list and the htmx swap after "done" share it)."""

    item: FollowUp
    clients: str  # its session's (client_links)
    can_complete: bool
    can_delete: bool
    several_centres: bool
    forms: RowForms
    errors: list[str] = field(default_factory=list)

    def __html__(self) -> SafeString:
        item, pk, w = self.item, self.item.pk, words()
        late = item.is_overdue
        cells = [
            escape(item.action),
            day(item.due_on) + (f" <strong>{w.late}</strong>" if late else ""),
            self.clients,
            f'<a href="{url_by_pk("mentoring:session_detail")(item.session_id)}">'
            f"{escape(item.session.topic)}</a>",
            *([escape(item.centre.name)] if self.several_centres else []),
            escape(item.assignee.display_name),
            self._status(),
        ]
        overdue = ' class="overdue"' if late else ""
        body = "".join(f"<td>{cell}</td>" for cell in cells)
        return mark_safe(f'<tr id="follow-up-{pk}"{overdue}>{body}</tr>')

    __str__ = __html__

    def _status(self) -> str:
        item, pk, w = self.item, self.item.pk, words()
        parts = []
        if self.errors:
            parts.append(
                f'<p class="errors" role="alert" id="follow-up-{pk}-error">'
                f"{escape(' '.join(self.errors))}</p>"
            )
        if item.done_at:
            done = f"{w.done} {escape(moment(item.done_at, item.centre.timezone))}"
            if item.done_note:
                done += f"<br><small>{escape(item.done_note)}</small>"
            parts.append(done)
        elif self.can_complete:
            action = url_by_pk("mentoring:follow_up_done")(pk)
            invalid = (
                f' aria-invalid="true" aria-describedby="follow-up-{pk}-error"'
                if self.errors
                else ""
            )
            parts.append(
                f'<form method="post" action="{action}" hx-post="{action}" '
                'hx-target="closest tr" hx-swap="outerHTML">'
                f"{self.forms.csrf}{self.forms.next_field}"
                f'<label class="visually-hidden" for="note-{pk}">'
                f"{w.done_note}</label>"
                f'<input id="note-{pk}" name="note" maxlength="500" required '
                f'placeholder="{w.done_hint}"{invalid}>'
                f'<button type="submit">{w.mark_done}</button></form>'
            )
        else:
            parts.append(w.open)
        if self.can_delete:
            back = escape(quote(self.forms.next_url, safe="/"))
            parts.append(
                f'<a href="{url_by_pk("mentoring:follow_up_delete")(pk)}?next={back}">'
                f"{w.delete}"
                f'<span class="visually-hidden"> {escape(item.action)}</span></a>'
            )
        return " ".join(parts)


def follow_up_rows(follow_ups: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """The columns the follow-up list reads (and its permissions: the session's consultant,
    when the follow-up was added); the rows' centres are attached to the page, not joined."""
    return (
        follow_ups.select_related(None)
        .select_related("session", "assignee")
        .only(
            "session",
            "assignee",
            "action",
            "due_on",
            "done_at",
            "done_note",
            "centre",
            "created_at",
            "session__topic",
            "session__consultant",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
        )
    )


def booking_rows(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """The columns a booking's card in the inbox reads; the rows' centres are attached to the
    page, not joined."""
    return (
        bookings.select_related(None)
        .select_related("enterprise", "service_area", "consultant")
        .only(
            "starts_at",
            "mode",
            "status",
            "status_reason",
            "centre",
            "session",
            "enterprise__name",
            "service_area__name_id",
            "service_area__name_en",
            "consultant__first_name",
            "consultant__last_name",
            "consultant__username",
        )
    )


@dataclass(frozen=True)
class TodayTables:
    bookings: Table[Booking]
    follow_ups: Table[FollowUp]
    sessions: Table[MentoringSession]


def today_tables(
    *,
    bookings: list[Booking],
    follow_ups: list[FollowUp],
    sessions: list[MentoringSession],
    logs_sessions: bool,
) -> TodayTables:
    """Hari ini's three tables (mentoring.selectors.today.today_lists' rows, their centres
    attached). ``logs_sessions``: the user logs sessions (a centre's staff), so each of
    today's bookings offers to log its session."""
    enterprise = url_by_pk("mentoring:enterprise_profile")
    detail = url_by_pk("mentoring:session_detail")
    hidden = _("Aksi")
    action_header = mark_safe(f'<span class="visually-hidden">{escape(hidden)}</span>')
    if logs_sessions:
        create = reverse("mentoring:session_create")
        action = Column(
            action_header,
            lambda b: mark_safe(words().log),
            link=lambda b: f"{create}?booking={b.pk}",
        )
    else:
        action = Column(action_header, lambda b: "", dash=False)
    statuses = {value: str(label) for value, label in BookingStatus.choices}
    clients = client_links(item.session_id for item in follow_ups)
    names = client_names(sessions)
    w = words()
    return TodayTables(
        bookings=Table(
            [
                Column(
                    _("UMKM"),
                    lambda b: b.enterprise.name,
                    link=lambda b: enterprise(b.enterprise_id),
                ),
                Column(_("Jam"), lambda b: moment(b.starts_at, b.centre.timezone)),
                Column(_("Bidang"), lambda b: b.service_area.name),
                Column(
                    _("Konsultan"), lambda b: b.consultant.get_full_name() if b.consultant else ""
                ),
                Column(_("Status"), lambda b: statuses.get(b.status, b.status)),
                action,
            ],
            bookings,
            empty=_("Tidak ada pemesanan hari ini."),
        ),
        follow_ups=Table(
            [
                # What to do first: on a phone the first column stays in view (portal.css).
                Column(_("Tindak lanjut"), lambda f: f.action),
                Column(
                    _("Tenggat"),
                    lambda f: mark_safe(
                        f"{escape(day(f.due_on))} "
                        f"<strong>{w.late if f.is_overdue else w.due_today}</strong>"
                    ),
                ),
                Column(_("Klien"), lambda f: clients.get(f.session_id, ""), dash=False),
                Column(_("Sesi"), lambda f: f.session.topic, link=lambda f: detail(f.session_id)),
                Column(_("Penanggung jawab"), lambda f: f.assignee.display_name),
            ],
            follow_ups,
            empty=_("Tidak ada tindak lanjut yang jatuh tempo."),
            row_class=lambda f: "overdue" if f.is_overdue else "",
        ),
        sessions=Table(
            [
                Column(_("Topik"), lambda s: s.topic, link=lambda s: detail(s.pk)),
                Column(_("Waktu"), lambda s: moment(s.starts_at, s.centre.timezone)),
                Column(_("Bidang"), lambda s: s.service_area.name),
                Column(_("Klien"), lambda s: ", ".join(names.get(s.pk, ())), dash=False),
                Column(_("Konsultan"), lambda s: s.consultant.get_full_name(), dash=False),
            ],
            sessions,
            empty=_("Belum ada sesi minggu ini."),
        ),
    )


# --- The inbox's cards ----------------------------------------------------------------------


@dataclass
class InboxRow:
    """One booking's card in the inbox (and on its own page): what it shows and which of its
    actions the user may take. Written in Python: through the template engine, with a form per
    action and a manager's menu of consultants on each, the cards cost several times the
    page's queries (docs/performance.md, session 14: the workspace)."""

    booking: Booking
    forms: RowForms
    viewer: int  # the user's pk: "I'll take it" assigns them
    can_confirm: bool = False
    can_assign: bool = False  # the manager's choice of consultant
    can_take: bool = False  # a consultant takes an unassigned booking for themselves
    can_decline: bool = False
    can_cancel: bool = False
    can_no_show: bool = False
    can_log: bool = False
    needs_consultant: bool = False
    several_centres: bool = False
    plain: bool = False  # forms post without htmx (the detail page reloads its history)
    covering: list[User] = field(default_factory=list)
    others: list[User] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: str = ""  # the action whose form should open again with its error
    notice: str = ""

    @property
    def can_act(self) -> bool:
        return any(
            (
                self.can_confirm,
                self.can_assign,
                self.can_take,
                self.can_decline,
                self.can_cancel,
                self.can_no_show,
                self.can_log,
            )
        )

    def __html__(self) -> SafeString:
        b, pk, w = self.booking, self.booking.pk, words()
        if b.consultant_id is not None:
            consultant = escape(b.consultant.display_name)
        else:
            consultant = f"<strong>{w.unassigned}</strong>"
        reason = f" {escape(b.status_reason)}" if b.status_reason else ""
        details = [
            (
                w.enterprise,
                self._link(
                    "mentoring:enterprise_profile", b.enterprise_id, escape(b.enterprise.name)
                ),
            ),
            *([(w.centre, escape(b.centre.name))] if self.several_centres else []),
            (w.area, escape(b.service_area.name)),
            (w.mode, w.modes.get(b.mode, escape(b.mode))),
            (w.consultant, consultant),
            (
                w.status,
                f'<span class="tag">{w.statuses.get(b.status, escape(b.status))}</span>{reason}',
            ),
        ]
        when = escape(moment(b.starts_at, b.centre.timezone))
        parts = [
            f'<li class="card" id="booking-{pk}">',
            f"<h2>{self._link('mentoring:booking_detail', pk, when)}</h2>",
            '<dl class="details">'
            + "".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in details)
            + "</dl>",
        ]
        if self.errors:
            parts.append(
                f'<p class="errors" role="alert" id="booking-{pk}-errors">'
                f"{escape(' '.join(self.errors))}</p>"
            )
        if self.notice:
            parts.append(f'<p class="notice" role="status">{escape(self.notice)}</p>')
        if self.needs_consultant and self.can_act and b.status == BookingStatus.REQUESTED:
            parts.append(f"<p>{w.assign_first}</p>")
        if self.can_confirm:
            parts.append(
                self._form(
                    "confirm",
                    f'<button type="submit" class="primary">{w.confirm}</button>',
                )
            )
        if self.can_take:
            parts.append(
                self._form(
                    "assign",
                    f'<input type="hidden" name="consultant" value="{self.viewer}">'
                    f'<button type="submit">{w.take}</button>',
                )
            )
        if self.can_assign:
            parts.append(self._assign())
        if self.can_decline or self.can_cancel:
            parts.append(self._refuse("decline" if self.can_decline else "cancel"))
        if self.can_no_show:
            parts.append(
                self._form(
                    "no_show",
                    f'<button type="submit">{w.no_show}</button>',
                )
            )
        if self.can_log:
            create = reverse("mentoring:session_create")
            parts.append(
                f'<p><a class="button-primary" href="{create}?booking={pk}">{w.log}</a></p>'
            )
        if b.session_id:
            parts.append(
                f"<p>{self._link('mentoring:session_detail', b.session_id, w.session)}</p>"
            )
        parts.append("</li>")
        return mark_safe("\n".join(parts))

    __str__ = __html__

    @staticmethod
    def _link(name: str, pk: int, html: str) -> str:
        return f'<a href="{url_by_pk(name)(pk)}">{html}</a>'

    def _form(self, action: str, body: str, css: str = "") -> str:
        """The form of one action, posted with htmx (the card swapped) unless ``plain``."""
        url = url_by_pk("mentoring:booking_action", action)(self.booking.pk)
        htmx = (
            ""
            if self.plain
            else f' hx-post="{url}" hx-target="#booking-{self.booking.pk}" hx-swap="outerHTML"'
        )
        css = f' class="{css}"' if css else ""
        return (
            f'<form method="post" action="{url}"{htmx}{css}>'
            f"{self.forms.csrf}{self.forms.next_field}{body}</form>"
        )

    def _invalid(self, action: str) -> str:
        if self.failed != action:
            return ""
        return f' aria-invalid="true" aria-describedby="booking-{self.booking.pk}-errors"'

    def _assign(self) -> str:
        b, pk, w = self.booking, self.booking.pk, words()
        label = w.reassign if b.consultant_id else w.assign

        def group(label: str, people: list[User]) -> str:
            if not people:
                return ""
            options = "".join(
                f'<option value="{person.pk}"'
                f"{' selected' if person.pk == b.consultant_id else ''}>"
                f"{escape(person.display_name)}</option>"
                for person in people
            )
            return f'<optgroup label="{label}">{options}</optgroup>'

        return self._form(
            "assign",
            f'<label for="consultant-{pk}">{label}</label>'
            f'<select id="consultant-{pk}" name="consultant" required{self._invalid("assign")}>'
            f'<option value="">{w.choose}</option>'
            f"{group(w.covering, self.covering)}"
            f"{group(w.others, self.others)}"
            "</select>"
            f'<button type="submit">{w.save_consultant}</button>',
            css="field",
        )

    def _refuse(self, verb: str) -> str:
        pk, w = self.booking.pk, words()
        decline = verb == "decline"
        summary = w.decline_title if decline else w.cancel_title
        button = w.decline if decline else w.cancel
        opened = " open" if self.failed == verb else ""
        form = self._form(
            verb,
            '<div class="field">'
            f'<label for="reason-{pk}">{w.reason}</label>'
            f'<textarea id="reason-{pk}" name="reason" rows="2" maxlength="500" required'
            f"{self._invalid(verb)}></textarea></div>"
            f'<button type="submit">{button}</button>',
            css="stack",
        )
        return f"<details{opened}><summary>{summary}</summary>{form}</details>"
