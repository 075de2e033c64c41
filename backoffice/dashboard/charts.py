"""Charts as inline SVG: the browser shapes Bangla labels correctly (a PNG renderer without a shaping
engine, such as matplotlib's, breaks conjuncts and vowel signs), and SVG scales to a phone screen."""
from __future__ import annotations

import datetime as dt
from html import escape
from typing import Callable, Mapping, Sequence

# Colour-blind-safe palette (Okabe-Ito); a topic keeps its colour across filters by its rank in the legend.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 46


def nice_ceiling(value: int) -> int:
    """A round axis maximum at or above ``value`` (5, 10, 20, 50, 100, ...)."""
    scale = 1
    while True:
        for step in (5 * scale, 10 * scale, 20 * scale):
            if step >= value:
                return step
        scale *= 10


def line_chart(weeks: Sequence[dt.date], series: Mapping[str, Mapping[dt.date, int]],
               labels: Mapping[str, str], caption: str, week_label: Callable[[dt.date], str] = str) -> str:
    """One line per series over the weeks; the legend is an HTML list under the chart (it wraps on a
    phone, where SVG text would not). A week without a shown cell is drawn as 0."""
    top = nice_ceiling(max([v for s in series.values() for v in s.values()] + [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / max(1, len(weeks) - 1) if len(weeks) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(caption)}">',
             f"<title>{escape(caption)}</title>"]
    for tick in range(6):  # top is 5, 10, 20, 50...: fifths are whole numbers
        value = top * tick // 5
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
                     f'<text class="axis" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>')
    every = max(1, len(weeks) // 8)
    for i, week in enumerate(weeks):
        if i % every == 0 or i == len(weeks) - 1:
            parts.append(f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                         f'{escape(week_label(week))}</text>')
    for rank, (key, values) in enumerate(series.items()):
        colour = PALETTE[rank % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(values.get(w, 0)):.1f}" for i, w in enumerate(weeks))
        label = escape(labels.get(key, key))
        parts.append(f'<g class="series" data-topic="{escape(key)}"><title>{label}</title>'
                     f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{points}"/>')
        for i, w in enumerate(weeks):
            if values.get(w):
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(values[w]):.1f}" r="3.5" fill="{colour}">'
                             f"<title>{label}: {values[w]} ({w.isoformat()})</title></circle>")
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(f'<li><span class="swatch c{rank % len(PALETTE)}"></span>'
                     f"{escape(labels.get(key, key))}</li>" for rank, key in enumerate(series))
    return "".join(parts) + f'<ul class="legend">{legend}</ul>'
