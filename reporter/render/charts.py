"""Chart geometry for the summary: numbers only, the templates draw the SVG.

Keeping the arithmetic here and the markup in the template means no SVG is
ever built from strings, and the same chart prints in HTML and PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHART_WIDTH = 420
LABEL_WIDTH = 120  # room for the longest label, "could not assess"
BAR_SPACE = 240  # the longest bar; the rest of the width holds its value
ROW_HEIGHT = 22
BAR_HEIGHT = 14
SEGMENT_WIDTH = 66
SEGMENT_GAP = 4
STRIP_HEIGHT = 46
# Fill colours by CSS class, written as SVG presentation attributes: the PDF
# printer draws them without the page's stylesheet and the HTML CSP allows them.
PALETTE = {
    "severity-critical": "#7f1d1d",
    "severity-high": "#b3261e",
    "severity-medium": "#d08a1c",
    "severity-low": "#4f7cac",
    "severity-info": "#9aa5b1",
    "source-virtual-group": "#b3261e",
    "source-user-group": "#1e6b34",
    "source-direct-policy": "#4f7cac",
    "source-legacy-role": "#d08a1c",
    "done": "#1e6b34",
    "in-progress": "#d08a1c",
    "not-started": "#8796a5",
    "could-not-assess": "#b3261e",
}
DEFAULT_FILL = "#8796a5"


@dataclass(frozen=True)
class Bar:
    """One labelled bar of a horizontal bar chart."""

    label: str
    value: int
    css_class: str
    fill: str
    y: int  # top of the bar
    text_y: int  # baseline of its label and value
    length: float  # in chart units; zero for a zero value
    value_x: float  # where the value is written, just after the bar


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: its title, bars and total height."""

    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    total: int


@dataclass(frozen=True)
class Segment:
    """One step of the progress strip, coloured by its status."""

    number: int
    status: str
    css_class: str
    fill: str
    x: int
    center: int


@dataclass(frozen=True)
class StepStrip:
    """The six steps side by side."""

    segments: tuple[Segment, ...]
    width: int
    height: int
    segment_width: int
    done: int


def bar_chart(title: str, values: Sequence[tuple[str, int, str]]) -> BarChart:
    """Lay out ``(label, value, css class)`` bars scaled to the largest value."""
    largest = max((value for _, value, _ in values), default=0)
    bars = tuple(
        _bar(index, label, value, css_class, largest)
        for index, (label, value, css_class) in enumerate(values)
    )
    return BarChart(
        title=title,
        bars=bars,
        width=CHART_WIDTH,
        height=ROW_HEIGHT * len(bars) + 4,
        label_width=LABEL_WIDTH,
        total=sum(value for _, value, _ in values),
    )


def _bar(index: int, label: str, value: int, css_class: str, largest: int) -> Bar:
    length = round(BAR_SPACE * value / largest, 1) if largest else 0.0
    top = index * ROW_HEIGHT + 4
    return Bar(
        label=label,
        value=value,
        css_class=css_class,
        fill=PALETTE.get(css_class, DEFAULT_FILL),
        y=top,
        text_y=top + BAR_HEIGHT - 3,
        length=length,
        value_x=round(LABEL_WIDTH + length + 6, 1),
    )


def step_strip(steps: Sequence[tuple[int, str, str]]) -> StepStrip:
    """Lay out ``(number, status, css class)`` steps as one row of segments."""
    pitch = SEGMENT_WIDTH + SEGMENT_GAP
    segments = tuple(
        Segment(
            number=number,
            status=status,
            css_class=css_class,
            fill=PALETTE.get(css_class, DEFAULT_FILL),
            x=index * pitch,
            center=index * pitch + SEGMENT_WIDTH // 2,
        )
        for index, (number, status, css_class) in enumerate(steps)
    )
    return StepStrip(
        segments=segments,
        width=max(pitch * len(segments) - SEGMENT_GAP, 0),
        height=STRIP_HEIGHT,
        segment_width=SEGMENT_WIDTH,
        done=sum(1 for _, status, _ in steps if status == "done"),
    )
