"""Geometry for the small SVG charts of report pages, drawn by the templates
``core/partials/hbar_chart.html`` and ``core/partials/column_chart.html``.

Plain numbers in, rectangles out: no chart library and no JavaScript, so reports print,
export and render the same everywhere.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    text: str
    url: str = ""

    @property
    def middle(self) -> float:
        """The x of the bar's middle (a column's value is centred over it)."""
        return self.x + self.width / 2


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int = 0
    line_y: float | None = None  # a reference line across the plot (a goal), if any
    line_text: str = ""

    @property
    def empty(self) -> bool:
        return not self.bars or all(b.value == 0 for b in self.bars)


def hbar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    width: int = 520,
    row_height: int = 22,
    label_width: int = 180,
    text: Sequence[str] | None = None,
    urls: Sequence[str] | None = None,
) -> Chart:
    """Horizontal bars, one row per (label, value), scaled to the largest value, the value
    written after each bar; ``urls`` make bars (and their value) links."""
    top = max((v for _, v in rows), default=0) or 1
    room = width - label_width - 60  # space for the value after the bar
    bars = []
    for n, (label, value) in enumerate(rows):
        bars.append(
            Bar(
                label=label,
                value=value,
                x=label_width,
                y=n * row_height + 3,
                width=max(value / top * room, 1 if value else 0),
                height=row_height - 6,
                text=text[n] if text else _number(value),
                url=urls[n] if urls else "",
            )
        )
    return Chart(
        bars=bars, width=width, height=max(len(rows), 1) * row_height, label_width=label_width
    )


def column_chart(
    rows: Sequence[tuple[str, float]],
    *,
    width: int = 520,
    height: int = 140,
    urls: Sequence[str] | None = None,
    text: Sequence[str] | None = None,
    top: float | None = None,
    line: tuple[float, str] | None = None,
) -> Chart:
    """Vertical columns (a series over time), labels under the columns and each value
    above its column (read as text, not only as a height); ``urls`` make columns links.
    ``top``: the value of a full column (default: the largest value); ``line``: (value,
    label) of a reference line, e.g. the goal of a percentage."""
    top = top or max((v for _, v in rows), default=0) or 1
    plot = height - 20  # room for the labels
    room = width - 64 if line else width  # the line's label goes right of the columns
    step = room / max(len(rows), 1)
    bars = []
    for n, (label, value) in enumerate(rows):
        h = value / top * (plot - 14) if value else 0
        bars.append(
            Bar(
                label=label,
                value=value,
                x=n * step + 2,
                y=plot - h,
                width=max(step - 4, 1),
                height=h,
                text=text[n] if text else _number(value),
                url=urls[n] if urls else "",
            )
        )
    line_y = plot - line[0] / top * (plot - 14) if line else None
    return Chart(
        bars=bars, width=width, height=height, line_y=line_y, line_text=line[1] if line else ""
    )


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
