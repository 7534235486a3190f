"""The geometry of the reports' SVG bar charts (templates/reviews/_chart.html draws them).

No JavaScript, no chart library, no inline styles: a chart is an image to assistive technology
(role="img" named by its <title>, described by <desc>); the numbers themselves are in the data
table the report shows beside it, so nothing is only in the chart. Colours come from CSS classes
(static/css/pages.css and print.css), as a Content-Security-Policy forbids style attributes.
Coordinates are given as text, so no language's number format reaches the SVG.
"""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .summaries import Row

LABEL_WIDTH = 230
BAR_WIDTH = 300
VALUE_WIDTH = 110
ROW_HEIGHT = 26
BAR_HEIGHT = 18
PADDING = 6


@dataclass(frozen=True)
class Bar:
    label: str  # shortened: the full label is in the table and the description
    css_class: str
    count: int
    share: str  # as the language writes it
    label_x: str
    text_y: str
    bar_x: str
    bar_y: str
    length: str
    height: str
    value_x: str


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar per level: the level's label, a bar as long as its share, its count and share."""

    id: str
    title: str
    description: str
    width: int
    height: int
    axis_x: int
    axis_top: int
    axis_bottom: int
    bars: list[Bar]


def bar_chart(*, chart_id: str, title: str, rows: list[Row]) -> BarChart:
    height = PADDING * 2 + ROW_HEIGHT * max(len(rows), 1)
    description = "; ".join(
        _("%(label)s: %(count)s (%(share)s%%)") % {"label": row.label, "count": row.count,
                                                    "share": number_format(row.share, 1)}
        for row in rows
    )
    return BarChart(id=chart_id, title=title, description=description,
                    width=LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH, height=height, axis_x=LABEL_WIDTH,
                    axis_top=PADDING, axis_bottom=height - PADDING,
                    bars=[_bar(index, row) for index, row in enumerate(rows)])


def _bar(index: int, row: Row) -> Bar:
    top = PADDING + index * ROW_HEIGHT
    middle = top + ROW_HEIGHT / 2
    length = round(BAR_WIDTH * row.share / 100, 1)
    css_class = "chart-bar" if row.is_rating else "chart-bar chart-bar-missing"
    return Bar(label=_shorten(row.label), css_class=css_class, count=row.count,
               share=number_format(row.share, 1), label_x=str(LABEL_WIDTH - 8), text_y=str(middle + 5),
               bar_x=str(LABEL_WIDTH), bar_y=str(middle - BAR_HEIGHT / 2), length=str(length),
               height=str(BAR_HEIGHT), value_x=str(LABEL_WIDTH + length + 6))


def _shorten(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
