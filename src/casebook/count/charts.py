"""Charts of Figures as SVG or PNG (matplotlib, no display): a range is drawn as a range.

The same bytes for the same figure: no timestamps, fixed ids. The web app shows these.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.dates

matplotlib.use("Agg")  # before pyplot: never open a window

from matplotlib import pyplot
from matplotlib.figure import Figure as Canvas

from casebook.count.figures import Figure
from casebook.errors import InputError

FORMATS = ("svg", "png")
LOWER_COLOUR, RANGE_COLOUR = "#1f4e79", "#9dc3e6"


@dataclass(frozen=True)
class Point:
    """A figure's range on one date of a time series."""

    day: dt.date
    lower: int
    upper: int


def chart_format(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise InputError(str(path), f"a chart is written as .svg or .png, not '{path.suffix}'")
    return kind


def series_chart(title: str, points: list[Point], kind: str = "svg") -> bytes:
    """A time series: the lower bound as a line, the range as a band around it."""
    canvas, axes = _canvas()
    days = matplotlib.dates.date2num([point.day for point in points])
    axes.fill_between(
        days, [p.lower for p in points], [p.upper for p in points],
        color=RANGE_COLOUR, step="post", label="possible (upper bound)",
    )  # fmt: skip
    axes.step(
        days,
        [p.lower for p in points],
        where="post",
        color=LOWER_COLOUR,
        label="certain (lower bound)",
    )
    axes.xaxis_date()
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", frameon=False)
    return _render(canvas, axes, title, kind)


def breakdown_chart(figure: Figure, kind: str = "svg") -> bytes:
    """A breakdown: one bar per bucket, solid to the lower bound, light to the upper."""
    canvas, axes = _canvas()
    keys = [bucket.key for bucket in figure.buckets]
    lowers = [bucket.lower for bucket in figure.buckets]
    extra = [bucket.upper - bucket.lower for bucket in figure.buckets]
    positions = range(len(keys))
    axes.bar(positions, lowers, color=LOWER_COLOUR, label="certain (lower bound)")
    axes.bar(positions, extra, bottom=lowers, color=RANGE_COLOUR, label="possible (upper bound)")
    axes.set_xticks(list(positions), keys, rotation=45 if len(keys) > 6 else 0, ha="right")
    axes.legend(loc="upper left", frameon=False)
    return _render(canvas, axes, f"{figure.rule.title}, by {figure.by}", kind)


def _canvas() -> tuple[Canvas, pyplot.Axes]:
    canvas = Canvas(figsize=(8, 4.5), dpi=100)
    axes = canvas.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return canvas, axes


def _render(canvas: Canvas, axes: pyplot.Axes, title: str, kind: str) -> bytes:
    axes.set_title(title, loc="left", fontsize=11)
    canvas.tight_layout()
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "casebook", "svg.fonttype": "path"}):
        if kind == "svg":
            canvas.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        else:
            canvas.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
