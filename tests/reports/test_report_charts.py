"""The report's charts and cells: SVG that parses, bars and lines in proportion, and numbers
written in the reader's language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from plut.top.reports.charts import Series, _ticks, bar_chart, line_chart
from plut.top.reports.documents import cell_text

SVG = "{http://www.w3.org/2000/svg}"


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_stacked_bars_are_as_tall_as_their_totals():
    svg = bar_chart(
        ["Jan", "Feb"], [Series("A", [2, 4]), Series("B", [2, 0])], title="Sesi", fmt="int"
    )
    bars = _tree(svg).findall(f"{SVG}rect[@fill]")
    heights = [float(bar.get("height")) for bar in bars if bar.find(f"{SVG}title") is not None]
    # January's two parts and February's one: 2 + 2 = 4, drawn as tall as February's 4.
    assert len(heights) == 3
    assert heights[0] + heights[1] == pytest.approx(heights[2], abs=0.2)


def test_a_line_has_a_point_per_month():
    svg = line_chart(["Jan", "Feb", "Mar"], [Series("Hasil", [1, 5, 3])], title="Hasil")
    tree = _tree(svg)
    (line,) = tree.findall(f"{SVG}polyline")
    assert len(line.get("points").split()) == 3
    assert len(tree.findall(f"{SVG}circle")) == 3


@pytest.mark.parametrize(("language", "tick"), [("id", "1.000"), ("en", "1,000")])
def test_axis_values_are_written_in_the_readers_language(language, tick):
    with translation.override(language):
        svg = bar_chart(["Jan"], [Series("Sesi", [1_800])], title="Sesi")
    texts = [text.text for text in _tree(svg).iter(f"{SVG}text")]
    assert tick in texts


def test_labels_are_escaped_and_an_empty_chart_says_so():
    svg = bar_chart(["<b>"], [Series("A & B", [0])], title='"x"')
    tree = _tree(svg)  # parses: nothing unescaped
    assert "Tidak ada data." in [text.text for text in tree.iter(f"{SVG}text")]
    svg = bar_chart(["<b>"], [Series("A & B", [3]), Series("C", [1])], title="x")
    assert "A &amp; B" in svg and "<b>" not in svg


def test_ticks_are_round_and_reach_the_top():
    assert _ticks(9) == [0, 2, 4, 6, 8, 10]
    assert _ticks(3) == [0, 1, 2, 3]
    assert _ticks(987_654_321_000)[-1] >= 987_654_321_000
    assert _ticks(0) == [0, 1]


@pytest.mark.parametrize(
    ("language", "kind", "value", "text"),
    [
        ("id", "rupiah", 500_000_000, "Rp 500.000.000"),
        ("en", "rupiah", 500_000_000, "Rp 500,000,000"),
        ("id", "percent", 12.5, "12,5 %"),
        ("en", "percent", 12.5, "12.5 %"),
        ("id", "percent0", 57.1, "57 %"),
        ("id", "hours", 1234.56, "1.234,6"),
        ("id", "score", 4.333, "4,33"),
        ("id", "int", 12345, "12.345"),
        ("id", "text", 2024, "2024"),
        ("id", "percent", None, "–"),
    ],
)
def test_cells_are_written_in_the_readers_language(language, kind, value, text):
    with translation.override(language):
        assert cell_text(value, kind) == text
