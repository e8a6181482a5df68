"""The workspace tables written in Python (plut.foundation.core.tables) write what the templates
did."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.urls import reverse, set_script_prefix
from django.utils import translation

from plut.foundation.core.tables import Column, Table, day, integer, moment, url_by_pk

MOMENT = datetime.datetime(2017, 8, 9, 2, 5, tzinfo=datetime.UTC)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("month", range(1, 13))
def test_dates_are_the_date_filters_words(language, month):
    value = datetime.date(2024, month, 7)
    with translation.override(language):
        assert day(value) == date_filter(value, "j M Y")


@pytest.mark.parametrize(
    ("language", "zone", "text"),
    [
        ("id", "Asia/Jakarta", "9 Agu 2017 09:05 WIB"),
        ("en", "Asia/Makassar", "9 Aug 2017 10:05 WITA"),
        ("id", "Asia/Jayapura", "9 Agu 2017 11:05 WIT"),
    ],
)
def test_a_moment_is_shown_on_the_centres_clock(language, zone, text):
    with translation.override(language):
        assert moment(MOMENT, zone) == text
    assert moment(None, zone) == day(None) == integer(None) == ""


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("number", [0, 7, 999, 1000, 1234567, -45000])
def test_integers_are_grouped_as_intcomma_groups_them(language, number):
    with translation.override(language):
        assert integer(number) == intcomma(number)


def test_a_link_by_pk_is_the_reversed_url():
    detail = url_by_pk("mentoring:session_detail")
    for pk in (1, 42, 987654321, 10**12):
        assert detail(pk) == reverse("mentoring:session_detail", args=[pk])


def test_a_link_by_pk_follows_the_script_prefix():
    assert url_by_pk("mentoring:session_detail")(7) == "/staff/sessions/7/"
    set_script_prefix("/portal/")
    try:
        assert url_by_pk("mentoring:session_detail")(7) == "/portal/staff/sessions/7/"
    finally:
        set_script_prefix("/")


def test_cells_are_escaped_linked_and_dashed_when_empty():
    rows = [{"name": "<b>Kopi & Teh</b>", "nib": None, "pk": 7}]
    table = Table(
        [
            Column("Nama <usaha>", lambda r: r["name"], link=lambda r: f"/x/{r['pk']}/?a=1&b=2"),
            Column("NIB", lambda r: r["nib"]),
        ],
        rows,
    )
    html = str(table)
    assert '<th scope="col">Nama &lt;usaha&gt;</th>' in html
    assert '<a href="/x/7/?a=1&amp;b=2">&lt;b&gt;Kopi &amp; Teh&lt;/b&gt;</a>' in html
    assert "<td>–</td>" in html
    assert "<b>" not in html


def test_an_empty_table_says_why_across_every_column():
    table = Table([Column("A", str), Column("B", str), Column("C", str)], [], empty="Tidak <ada>")
    assert '<tbody><tr><td colspan="3">Tidak &lt;ada&gt;</td></tr></tbody>' in str(table)
