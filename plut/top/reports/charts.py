"""The report's charts as inline SVG, drawn on the server: vector graphics that print sharply,
need no script and are read by WeasyPrint like any other element.

Colours and sizes are attributes, not classes: WeasyPrint draws an SVG without the page's
stylesheets. Tick values go through the dashboards' ``figure`` filter, so an axis reads
"1.000" in Indonesian and "1,000" in English, like the tables beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from plut.top.dashboards.templatetags.dashboards import figure

# Okabe-Ito: told apart by readers with colour-blindness and in greyscale print.
COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 78, 12, 12, 40  # room for the y ticks and the two-line x labels
LEGEND_ROW = 16
FONT = 'font-family="DejaVu Sans, sans-serif" font-size="10"'


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


def _n(number: float) -> str:
    """A coordinate, to a tenth of a unit."""
    return f"{number:.1f}"


def _ticks(top: float) -> list[float]:
    """Round tick values from 0 to at least ``top``: steps of 1, 2 or 5 times a power of ten,
    three to six of them (counts get whole steps)."""
    if top <= 0:
        return [0, 1]
    rough = top / 5
    power = 10 ** math.floor(math.log10(rough))
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= rough)
    step = max(step, 1) if top >= 1 else step
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


def _tick_text(value: float, fmt: str) -> str:
    # Whole numbers as integers, so the axis reads "2.000", not "2.000,00".
    return str(figure(int(value) if float(value).is_integer() else value, fmt))


def _svg(body: list[str], legend: Sequence[Series], title: str) -> SafeString:
    """The drawing with its legend below the plot, two series a row (service areas have long
    names)."""
    rows = math.ceil(len(legend) / 2) if len(legend) > 1 else 0
    height = HEIGHT + rows * LEGEND_ROW
    for index, series in enumerate(legend if rows else []):
        x = LEFT + (index % 2) * (WIDTH - LEFT) / 2
        y = HEIGHT + (index // 2) * LEGEND_ROW + 4
        body.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" {}>{}</text>',
                round(x),
                y,
                COLOURS[index % len(COLOURS)],
                round(x) + 14,
                y + 9,
                mark_safe(FONT),
                series.label,
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img"'
        ' aria-label="{}">{}</svg>',
        WIDTH,
        height,
        title,
        mark_safe("".join(body)),
    )


def _frame(labels: Sequence[str], top: float, fmt: str) -> tuple[list[str], float, float, float]:
    """Grid lines with their values and the x labels (a label's "\\n" starts a second line).
    Returns the drawing so far, the scale's maximum, the plot's height and a slot's width."""
    ticks = _ticks(top)
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = []
    for tick in ticks:
        y = TOP + plot_height * (1 - tick / ticks[-1])
        body.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ccc" stroke-width="0.5"/>'
                '<text x="{}" y="{}" text-anchor="end" {}>{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _n(y),
                _n(y),
                LEFT - 4,
                _n(y + 3),
                mark_safe(FONT),
                _tick_text(tick, fmt),
            )
        )
    for index, label in enumerate(labels):
        x = LEFT + slot * (index + 0.5)
        lines = "".join(
            format_html('<tspan x="{}" dy="{}">{}</tspan>', _n(x), 0 if n == 0 else 11, line)
            for n, line in enumerate(str(label).split("\n"))
        )
        body.append(
            format_html(
                '<text y="{}" text-anchor="middle" {}>{}</text>',
                HEIGHT - BOTTOM + 13,
                mark_safe(FONT),
                mark_safe(lines),
            )
        )
    return body, ticks[-1], plot_height, slot


def _empty(title: str) -> SafeString:
    text = format_html(
        '<text x="{}" y="{}" text-anchor="middle" {}>{}</text>',
        WIDTH // 2,
        HEIGHT // 2,
        mark_safe(FONT),
        _("Tidak ada data."),
    )
    return _svg([text], [], title)


def bar_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, fmt: str = "int"
) -> SafeString:
    """Bars per label, the series stacked (one series: plain bars)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    if not any(totals):
        return _empty(title)
    body, scale, plot_height, slot = _frame(labels, max(totals), fmt)
    width = slot * 0.6
    for index in range(len(labels)):
        base = 0.0
        for number, one in enumerate(series):
            value = one.values[index] or 0
            if not value:
                continue
            height = plot_height * value / scale
            base += height
            body.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {}</title></rect>",
                    _n(LEFT + slot * index + (slot - width) / 2),
                    _n(TOP + plot_height - base),
                    _n(width),
                    _n(height),
                    COLOURS[number % len(COLOURS)],
                    one.label,
                    figure(value, fmt),
                )
            )
    return _svg(body, series, title)


def line_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, fmt: str = "int"
) -> SafeString:
    """One line per series, a dot on each value."""
    values = [value or 0 for one in series for value in one.values]
    if not any(values):
        return _empty(title)
    body, scale, plot_height, slot = _frame(labels, max(values), fmt)
    for number, one in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        points = [
            (LEFT + slot * (i + 0.5), TOP + plot_height * (1 - (value or 0) / scale))
            for i, value in enumerate(one.values)
        ]
        body.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                colour,
            )
        )
        body += [
            format_html('<circle cx="{}" cy="{}" r="2.5" fill="{}"/>', _n(x), _n(y), colour)
            for x, y in points
        ]
    return _svg(body, series, title)
