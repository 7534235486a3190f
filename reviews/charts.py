"""Server-rendered SVG bar charts of IRM summaries: no JavaScript, no chart library, no inline styles.

A chart is an image to assistive technology (role="img" named by its <title>, described by <desc>);
the numbers themselves are in the data table the report shows beside it, so nothing is only in
the chart. Colours come from CSS classes (static/css/pages.css and print.css), as a
Content-Security-Policy forbids style attributes.
"""

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .summaries import Row

LABEL_WIDTH = 230
BAR_WIDTH = 300
VALUE_WIDTH = 110
ROW_HEIGHT = 26
BAR_HEIGHT = 18
PADDING = 6


def bar_chart(*, chart_id: str, title: str, rows: list[Row]) -> SafeString:
    """A horizontal bar per level: the level's label, a bar as long as its share, its count and share."""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = PADDING * 2 + ROW_HEIGHT * max(len(rows), 1)
    description = "; ".join(
        _("%(label)s: %(count)s (%(share)s%%)") % {"label": row.label, "count": row.count,
                                                    "share": number_format(row.share, 1)}
        for row in rows
    )
    bars = format_html_join("", "{}", ((_bar(index, row),) for index, row in enumerate(rows)))
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line class="chart-axis" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}"/>{bars}</svg>',
        id=chart_id, w=width, h=height, title=title, desc=description, bars=bars,
        x=LABEL_WIDTH, top=PADDING, bottom=height - PADDING,
    )


def _bar(index: int, row: Row) -> SafeString:
    top = PADDING + index * ROW_HEIGHT
    middle = top + ROW_HEIGHT / 2
    length = round(BAR_WIDTH * row.share / 100, 1)
    kind = "chart-bar" if row.is_rating else "chart-bar chart-bar-missing"
    return format_html(
        '<text class="chart-label" x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
        '<rect class="{kind}" x="{bx}" y="{by}" width="{length}" height="{bh}"/>'
        '<text class="chart-value" x="{vx}" y="{ty}">{count} ({share}%)</text>',
        lx=LABEL_WIDTH - 8, ty=middle + 5, label=_shorten(row.label), kind=kind, bx=LABEL_WIDTH,
        by=middle - BAR_HEIGHT / 2, length=length, bh=BAR_HEIGHT, vx=LABEL_WIDTH + length + 6,
        count=row.count, share=number_format(row.share, 1),
    )


def _shorten(label: str, limit: int = 32) -> str:
    # The full label is in the table beside the chart and in the chart's description.
    return label if len(label) <= limit else label[: limit - 1] + "…"
