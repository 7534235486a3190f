"""The geometry of the reports' SVG bar charts (templates/reviews/_chart.html draws them).

A chart shows how the IRM rated the commitments it assessed: one bar per level (the ratings, then
the IRM's own no data / not reviewed / not applicable codes, in grey), as long as its share of the
assessed commitments. The commitments no report of that stage covered are not a bar: they are
counted beside the chart, so a plan the IRM has barely reached still shows its distribution instead
of one long "not assessed" bar.

No JavaScript, no chart library, no inline styles: a chart is an image to assistive technology
(role="img" named by its <title>, described by <desc>); the numbers themselves are in the data
table the report shows beside it, so nothing is only in the chart. Colours come from CSS classes
(static/css/pages.css and print.css), as a Content-Security-Policy forbids style attributes.
Coordinates are given as text, so no language's number format reaches the SVG.

Each level's label sits above its bar, so the chart is narrow enough for a phone's screen without
shrinking its text much (it scales with the viewBox) and labels need no shortening beyond 56 chars.
"""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .summaries import Row

BAR_WIDTH = 330  # 100% of the assessed commitments
VALUE_WIDTH = 110
WIDTH = BAR_WIDTH + VALUE_WIDTH
ROW_HEIGHT = 40
LABEL_BASELINE = 14  # from the row's top
BAR_TOP = 19
BAR_HEIGHT = 16
PADDING = 4
LABEL_INDENT = 4
LABEL_LIMIT = 56


@dataclass(frozen=True)
class Bar:
    label: str  # shortened: the full label is in the table and the description
    css_class: str
    count: int
    share: str  # of the assessed commitments, as the language writes it
    label_x: str
    label_y: str
    value_y: str
    bar_x: str
    bar_y: str
    length: str
    height: str
    value_x: str


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar per assessed level: its label above, a bar as long as its share of the
    assessed commitments, its count and share; the not-assessed count goes beside, as text."""

    id: str
    title: str
    description: str
    assessed: int
    not_assessed: int
    width: int
    height: int
    axis_x: int
    axis_top: int
    axis_bottom: int
    bars: list[Bar]


def bar_chart(*, chart_id: str, title: str, rows: list[Row]) -> BarChart:
    assessed_rows = [row for row in rows if row.is_assessed]
    assessed = sum(row.count for row in assessed_rows)
    not_assessed = sum(row.count for row in rows if not row.is_assessed)
    height = PADDING * 2 + ROW_HEIGHT * max(len(assessed_rows), 1)
    return BarChart(id=chart_id, title=title, description=_description(assessed_rows, assessed, not_assessed),
                    assessed=assessed, not_assessed=not_assessed, width=WIDTH, height=height, axis_x=0,
                    axis_top=PADDING + BAR_TOP - 3, axis_bottom=height - PADDING,
                    bars=[_bar(index, row) for index, row in enumerate(assessed_rows)])


def _description(rows: list[Row], assessed: int, not_assessed: int) -> str:
    levels = "; ".join(
        _("%(label)s: %(count)s (%(share)s%%)") % {"label": row.label, "count": row.count,
                                                    "share": number_format(row.share_of_assessed, 1)}
        for row in rows
    )
    text = ngettext("Of the %(assessed)s commitment assessed: %(levels)s.",
                    "Of the %(assessed)s commitments assessed: %(levels)s.", assessed) % {
        "assessed": assessed, "levels": levels}
    if not_assessed:
        text += " " + ngettext("%(count)s commitment not assessed.", "%(count)s commitments not assessed.",
                               not_assessed) % {"count": not_assessed}
    return text


def _bar(index: int, row: Row) -> Bar:
    top = PADDING + index * ROW_HEIGHT
    length = round(BAR_WIDTH * row.share_of_assessed / 100, 1)
    css_class = "chart-bar" if row.is_rating else "chart-bar chart-bar-missing"
    return Bar(label=_shorten(row.label), css_class=css_class, count=row.count,
               share=number_format(row.share_of_assessed, 1), label_x=str(LABEL_INDENT),
               label_y=str(top + LABEL_BASELINE), value_y=str(top + BAR_TOP + BAR_HEIGHT - 3),
               bar_x="0", bar_y=str(top + BAR_TOP), length=str(length), height=str(BAR_HEIGHT),
               value_x=str(length + 6))


def _shorten(label: str, limit: int = LABEL_LIMIT) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
