"""Every number on a page follows the page's language: Indonesian writes 1.234,5 and English
1,234.5, never both on one page.

The pages are rendered for real (the dashboards of the nation, a province and a centre, the
staff pages that show counts, the monthly report and its mail) in both languages, with figures
past a thousand and with decimals. A number written by hand or in a fixed language shows up
as the other language's separators, or as a run of ungrouped digits.
"""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.utils import translation

from clinics.models import ServiceArea
from cooperatives.models import Cooperative, Enterprise
from mentoring.models import MentoringSession, Mode, Outcome
from plut.foundation.accounts.models import User
from plut.foundation.messaging.models import Message
from plut.top.api.models import ImportJob, ImportKind, ImportMode, ImportStatus
from plut.top.dashboards.models import CentreUtilisation
from plut.top.dashboards.services import utilisation_digest
from plut.top.reports.models import Report, ReportLevel, ReportStatus, report_key
from tests.browser.pages import log_in
from tests.conftest import World
from tests.factories import calendar
from tests.factories.dashboards import generate, local

pytestmark = pytest.mark.django_db

# 10 January 2027, 12:00 WIB: "last month" is December 2026.
NOW = datetime.datetime(2027, 1, 10, 5, 0, tzinfo=datetime.UTC)
LAST_MONTH = "?period=last_month"
LANGUAGES = ("id", "en")
SEPARATORS = {"id": (".", ","), "en": (",", ".")}  # (thousands, decimals)
OTHER = {"id": "en", "en": "id"}


# --- Reading the numbers a person sees -------------------------------------------------------


class _Visible(HTMLParser):
    """The text of a page as read: no tags or attributes (ids in links and form values are not
    shown), no scripts or styles (the charts' JSON is data for the script)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    # One line per text node, so that two table cells never read as one number.
    return "\n".join(parser.parts)


def _numbers(thousands: str, decimals: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a grouped number, a number with one or two decimals) written with these separators.

    A number stands alone: neither side touches another digit or separator, so the parts of a
    date (07.12.2026), a version (4.6.1) or a time (09:00) are not numbers here. One or two
    digits after a separator make decimals, three make a group: no page shows three decimals.
    """
    group, mark = re.escape(thousands), re.escape(decimals)
    grouped = rf"(?<![\d.,])\d{{1,3}}(?:{group}\d{{3}})+(?:{mark}\d{{1,2}})?(?![\d.,])"
    decimal = rf"(?<![\d.,])\d+(?:{group}\d{{3}})*{mark}\d{{1,2}}(?![\d.,])"
    return re.compile(grouped), re.compile(decimal)


# Four digits or more without a separator: a count nobody grouped. Years are the exception.
UNGROUPED = re.compile(r"(?<![\d.,])\d{4,}")


def _ungrouped(text: str) -> list[str]:
    return [n for n in UNGROUPED.findall(text) if not (len(n) == 4 and 1900 <= int(n) <= 2100)]


def assert_numbers_follow(
    text: str, language: str, *, grouped: bool = True, decimals: bool = True
) -> None:
    """No number in the other language's way, no ungrouped count, and (so the check has
    something to hold) at least one grouped number and one with decimals, as asked."""
    own_grouped, own_decimal = _numbers(*SEPARATORS[language])
    other_grouped, other_decimal = _numbers(*SEPARATORS[OTHER[language]])
    found = {
        "grouped the other way": [m.group() for m in other_grouped.finditer(text)],
        "decimals the other way": [m.group() for m in other_decimal.finditer(text)],
        "ungrouped": _ungrouped(text),
    }
    assert not any(found.values()), (language, found, text)
    if grouped:
        assert own_grouped.search(text), (language, "no grouped number", text)
    if decimals:
        assert own_decimal.search(text), (language, "no number with decimals", text)


def test_the_checks_tell_one_languages_numbers_from_the_others():
    readings = "Sesi 1.234 · 144,8 jam · Rp 2,4 miliar · 12.345,67 · 10 Jan 2027 09:00 · 07.12.2026"
    assert_numbers_follow(readings, "id")
    with pytest.raises(AssertionError):
        assert_numbers_follow(readings, "en")
    assert_numbers_follow("Sessions 1,234 · 144.8 hours · Rp 2.4 billion · v4.6.1", "en")
    for mixed in ("1,234 · 144,8 jam", "11.934 beside 1,176", "Rp 2.4 miliar · 1.234", "12345"):
        with pytest.raises(AssertionError):
            assert_numbers_follow(mixed, "id")


# --- A busy December ----------------------------------------------------------------------


def _sessions(world: World, start: datetime.datetime, count: int = 1_234) -> None:
    """``count`` sessions of an hour at Lampung's centre, a minute apart from ``start``."""
    centre, consultant = world.a.centre, world.a.consultant
    area = ServiceArea.objects.order_by("pk").first()
    MentoringSession.objects.bulk_create(
        MentoringSession(
            centre=centre,
            consultant=consultant,
            created_by=consultant,
            service_area=area,
            mode=Mode.IN_PERSON,
            starts_at=start + datetime.timedelta(minutes=index),
            ends_at=start + datetime.timedelta(minutes=index + 60),
            topic=f"Klinik massal {index}",
            contact_minutes=61,
            preparation_minutes=37,
            travel_minutes=43,
        )
        for index in range(count)
    )


@pytest.fixture
def busy(world: World, time_machine) -> World:
    """December 2026 with more than a thousand of most things: sessions, contact hours (with
    tenths), cooperative members; billions of Rupiah of financing; scores with decimals."""
    time_machine.move_to(NOW, tick=False)
    generate([world.a.centre, world.b.centre])
    _sessions(world, local(world.a.centre, 2026, 12, 7, 9))
    Cooperative.objects.update(members=12_345, workforce=1_234)
    Outcome.objects.create(
        enterprise=world.a.enterprise,
        recorded_on=datetime.date(2026, 12, 14),
        financing_amount=2_400_000_000,
        financing_source="kur",
    )
    return world


def _read(client, user: User, language: str, url: str) -> str:
    """The page as ``user`` reads it in ``language`` (the account's language wins)."""
    User.objects.filter(pk=user.pk).update(language=language)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Language"] == language
    return visible(response.content.decode())


# --- Dashboards ------------------------------------------------------------------------------

# (reader, place, section, shows decimals): every section at every level it exists.
DASHBOARDS = [
    ("national", "national/", "", True),
    ("national", "national/", "charts/", True),
    ("national", "national/", "provinces/", False),  # counts and whole percents only
    ("national", "national/", "centres/", True),
    ("national", "national/", "cooperatives/", False),
    ("officer_a", "province/18/", "", True),
    ("officer_a", "province/18/", "charts/", True),
    ("officer_a", "province/18/", "centres/", True),
    ("officer_a", "province/18/", "cooperatives/", False),
    ("manager_a", "centre/{a}/", "", True),
    ("manager_a", "centre/{a}/", "charts/", True),
    ("manager_a", "centre/{a}/", "consultants/", True),
    ("manager_a", "centre/{a}/", "cooperatives/", False),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("reader", "place", "section", "decimals"), DASHBOARDS)
def test_dashboard_numbers_follow_the_page_language(
    client, busy, language, reader, place, section, decimals
):
    url = f"/dashboard/{place.format(a=busy.a.centre.pk)}{section}{LAST_MONTH}"
    text = _read(client, busy.user(reader), language, url)
    assert_numbers_follow(text, language, decimals=decimals)


@pytest.mark.parametrize(
    ("language", "hours", "billion"), [("id", "jam", "miliar"), ("en", "hours", "billion")]
)
def test_hours_and_rupiah_on_one_page_share_the_decimal_mark(
    client, busy, language, hours, billion
):
    """As reported: '144,8 hours' beside 'Rp 2.4 billion' on one English page."""
    url = f"/dashboard/centre/{busy.a.centre.pk}/{LAST_MONTH}"
    text = _read(client, busy.national, language, url)
    grouped, decimal = _numbers(*SEPARATORS[language])
    assert re.search(rf"{grouped.pattern} {hours}\b", text), text  # 1.259,6 jam
    assert re.search(rf"Rp {decimal.pattern} {billion}\b", text), text  # Rp 2,6 miliar


# --- Staff pages with counts ----------------------------------------------------------------


@pytest.fixture
def counted(world: World) -> World:
    Cooperative.objects.filter(pk=world.a.cooperative.pk).update(members=12_345, workforce=1_234)
    Enterprise.objects.filter(pk=world.a.enterprise.pk).update(employees=1_234)
    MentoringSession.objects.filter(pk=world.a.session.pk).update(
        contact_minutes=1_234, preparation_minutes=2_345, travel_minutes=3_456
    )
    return world


def _staff_page(world: World, page: str) -> tuple[str, list[str]]:
    """The page's address, and the counts it shows as written in Indonesian."""
    if page == "import":
        job = ImportJob.objects.create(
            created_by=world.a.manager,
            centre=world.a.centre,
            kind=ImportKind.ENTERPRISES,
            mode=ImportMode.VALID_ROWS,
            filename="umkm.xlsx",
            status=ImportStatus.DONE,
            total_rows=23_456,
            processed_rows=23_456,
            created_count=12_345,
            updated_count=9_876,
            unchanged_count=1_235,
        )
        return f"/staff/imports/{job.pk}/", ["23.456 / 23.456", "12.345", "9.876", "1.235"]
    return {
        "cooperatives": ("/staff/cooperatives/", ["12.345"]),
        "cooperative": (f"/staff/cooperatives/{world.a.cooperative.pk}/", ["12.345", "1.234"]),
        "enterprise": (f"/staff/enterprises/{world.a.enterprise.pk}/", ["1.234"]),
        "session": (f"/staff/sessions/{world.a.session.pk}/", ["1.234 / 2.345 / 3.456"]),
    }[page]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["cooperatives", "cooperative", "enterprise", "session", "import"])
def test_staff_pages_group_counts_the_readers_way(client, counted, language, page):
    url, counts = _staff_page(counted, page)
    text = _read(client, counted.a.manager, language, url)
    other_grouped, other_decimal = _numbers(*SEPARATORS[OTHER[language]])
    # Identifiers (NIB, Nomor Induk Koperasi) are shown ungrouped here, as they should be.
    assert not other_grouped.search(text) and not other_decimal.search(text), text
    for count in counts:
        shown = count.replace(".", ",") if language == "en" else count
        assert shown in text, (shown, text)


# --- The monthly report and the weekly mail -------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_pages_follow_the_page_language(client, busy, language):
    month = datetime.date(2026, 12, 1)
    report = Report.objects.create(
        level=ReportLevel.CENTRE,
        centre=busy.a.centre,
        province=busy.a.centre.province,
        month=month,
        key=report_key(ReportLevel.CENTRE, month, busy.a.centre.pk, None),
        status=ReportStatus.DONE,
        progress=100,
        generated_at=NOW,
    )
    for url in ("/dashboard/reports/", f"/dashboard/reports/{report.pk}/"):
        text = _read(client, busy.national, language, url)
        assert_numbers_follow(text, language, grouped=False, decimals=False)


def test_the_report_pdf_writes_its_numbers_in_indonesian(busy, settings, tmp_path, monkeypatch):
    """Reports are made once, in Indonesian, for every recipient: the page the PDF is printed
    from groups and marks decimals the Indonesian way."""
    import weasyprint

    from plut.top.reports.services import report_generate, report_request

    settings.MEDIA_ROOT = tmp_path
    printed: list[str] = []
    real = weasyprint.HTML

    def html(*, string: str) -> weasyprint.HTML:
        printed.append(string)
        return real(string=string)

    monkeypatch.setattr(weasyprint, "HTML", html)
    with translation.override("en"):  # whoever asked, in whatever language
        report = report_request(
            level=ReportLevel.CENTRE, month=datetime.date(2026, 12, 1), centre=busy.a.centre
        )
        assert report_generate(report_id=report.pk)
    (page,) = printed
    assert '<html lang="id">' in page
    assert_numbers_follow(visible(page), "id")


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("id", "1.234 sesi, 0,46 sesi/konsultan/hari, keterisian 12,5 %, rata-rata 8 minggu 1,23"),
        (
            "en",
            "1,234 sessions, 0.46 sessions/consultant/day, fill rate 12.5 %, 8-week average 1.23",
        ),
    ],
)
def test_the_underuse_mail_writes_numbers_in_the_recipients_language(busy, language, line):
    week = datetime.date(2026, 12, 7)
    CentreUtilisation.objects.create(
        centre=busy.a.centre,
        week_start=week,
        sessions=1_234,
        consultants=3,
        working_days=5,
        per_consultant_day=0.4567,
        fill_rate=12.5,
        enterprises=1_001,
        trailing_per_consultant_day=1.23456,
        below_floor=True,
        flagged=True,
    )
    User.objects.filter(pk=busy.national.pk).update(email="menteri@example.id", language=language)
    assert utilisation_digest(week_start=week)
    body = Message.objects.get(recipient="menteri@example.id").body
    assert line in body, body
    # The link's port is no count.
    assert_numbers_follow(re.sub(r"https?://\S+", "", body), language)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "thousand"), [("id", "1.000"), ("en", "1,000")])
def test_chart_axes_group_thousands_the_pages_way(page, live_server, world, language, thousand):
    """Chart.js writes its axes with the browser's own language unless told the page's."""
    # A day before a moment of this month: inside the default twelve months, and all over by
    # now (the 1,234 sessions take 21 hours).
    _sessions(world, calendar.earlier_this_month(world.a.centre) - datetime.timedelta(days=1))
    User.objects.filter(pk=world.national.pk).update(language=language)
    log_in(page.context, live_server, world.national)
    page.goto(f"{live_server.url}/dashboard/national/charts/")
    chart = "Chart.getChart(document.querySelector('canvas[data-chart=areas]'))"
    page.wait_for_function(f"() => window.Chart && {chart}")
    ticks = page.evaluate(f"() => {chart}.scales.y.ticks.map((tick) => tick.label)")
    assert thousand in ticks, ticks
