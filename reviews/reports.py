"""The IRM report of a member or an action plan: its tables, shared by the page, the charts and XLSX.

The page, its SVG charts and the XLSX file all read the same ReportSection rows, so the numbers
cannot disagree.
"""

from dataclasses import dataclass
from io import BytesIO

from django.utils.translation import gettext as _

from ogptracker import xlsx

from .charts import bar_chart
from .summaries import IRMSummary, Row


@dataclass
class KeyFigure:
    label: str
    count: int
    share: float


@dataclass
class ReportSection:
    """One measure of the report: a table of levels and the same numbers as a bar chart."""

    key: str
    title: str
    rows: list[Row]

    @property
    def chart(self):
        return bar_chart(chart_id=f"chart-{self.key}", title=self.title, rows=self.rows)


def share(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def key_figures(summary: IRMSummary) -> list[KeyFigure]:
    total = summary.commitments
    figures = [
        (_("Commitments"), total),
        (_("Starred commitments"), summary.starred),
        (_("High completion at mid-term (substantial or complete)"),
         summary.high_completion("mid_term_completion")),
        (_("High completion at end of term (substantial or complete)"), summary.high_completion()),
        (_("Opened government strongly (major or outstanding)"), summary.strong_open_government()),
    ]
    return [KeyFigure(label, count, share(count, total)) for label, count in figures]


def plan_columns() -> list[str]:
    return [_("Action plan"), _("Commitments"), _("Starred commitments"),
            _("High completion at mid-term"), _("High completion at end of term"),
            _("Opened government strongly")]


def plan_rows(plans, summaries: dict) -> list[tuple]:
    """One row per action plan, the key figures as counts, for comparing a member's plans."""
    return [
        (plan.title, summary.commitments, summary.starred, summary.high_completion("mid_term_completion"),
         summary.high_completion(), summary.strong_open_government())
        for plan in plans
        for summary in (summaries[plan.pk],)
    ]


def design_keys(summary: IRMSummary) -> list[str]:
    """Potential impact (to 2020) and/or potential for results (from 2020): those with ratings, or
    potential impact alone when neither has any."""
    rated = [key for key in ("potential_impact", "potential_for_results") if summary[key].rated]
    return rated or ["potential_impact"]


def report_sections(summary: IRMSummary) -> list[ReportSection]:
    keys = ["mid_term_completion", "end_of_term_completion", "change_in_completion", "did_it_open_government",
            "open_government_access_to_information", "open_government_civic_participation",
            "open_government_public_accountability", *design_keys(summary)]
    return [ReportSection(key.replace("_", "-"), str(summary[key].label), summary[key].rows())
            for key in keys]


def report_workbook(*, title: str, summary: IRMSummary, by_plan: list[tuple] | None = None) -> bytes:
    """The report's tables as an XLSX file: key figures, one sheet per measure, then (for a member)
    the figures by action plan. Each sheet's first row is its full title (a sheet's name is cut
    at 31 characters), the header below it; counts and shares are numbers."""
    level, commitments, share_header = _("Level"), _("Commitments"), _("Share of commitments (%)")
    sheets = [xlsx.Sheet(sheet_name(_("Key figures")), [_("Figure"), commitments, share_header],
                         [[figure.label, figure.count, figure.share] for figure in key_figures(summary)],
                         title=title)]
    for index, section in enumerate(report_sections(summary), start=1):
        # Numbered, so names stay unique once cut short; the full title is the first row.
        sheets.append(xlsx.Sheet(sheet_name(f"{index} {section.title}"), [level, commitments, share_header],
                                 [[row.label, row.count, row.share] for row in section.rows],
                                 title=section.title))
    if by_plan is not None:
        sheets.append(xlsx.Sheet(sheet_name(_("By action plan")), plan_columns(), by_plan, title=title))
    output = BytesIO()
    xlsx.write(output, sheets)
    return output.getvalue()


# Characters Excel refuses in sheet names.
SHEET_NAME_UNSAFE = str.maketrans({char: " " for char in "[]:*?/\\"})


def sheet_name(text: str) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return text.translate(SHEET_NAME_UNSAFE)[:31]
