"""The two HTML fragments built in Python, because bench/ shows their pages miss a target without them.

Through the template language a row costs a lookup per cell, a {% rating %} tag, a reverse()
and a translation; here each row is one f-string from plain values, every value escaped, the
ratings with the {% rating %} tag's markup, the HTML byte for byte what a template would give.
Measured side by side, 100,000 commitments (bench/RESULTS.md, 2026-12-01):
- list_rows, the list's 25 rows: the list filtered by member and completion is 2.3-2.8x its bare
  SQL (+ /healthz) with them, 3.3-3.8x with the same rows from a template (target: 3x);
- other_commitment_items, a commitment page's list of its member's commitments (331 lines for
  the largest member): the page's median is 55 ms with them, 84 ms from a template (target: 30 ms).
With a text search list_rows adds each row's snippet (search.snippet): for 50 rows with 2,300
characters of text each, 0.4-0.6 ms without, 1.6-2.5 ms with, 4-6 ms when the words are only in
the search text (timeit, SQLite, 2026-12-02).
Every other table (member, plan and member list pages, home) is a template: no target asks more.
"""

from html import escape  # what django.utils.html.escape does, without its wrappers: a third of the time

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reviews.scales import Completion
from reviews.templatetags.irm import rating

from ..converters import identifier_segment
from ..models import Commitment
from ..search import SNIPPET_SOURCES, clean_query, snippet, words

register = template.Library()


class RowParts:
    """What every row of a table shares, worked out once per language: URLs, labels, ratings."""

    @classmethod
    def current(cls) -> "RowParts":
        """The parts for the active language and URL prefix, made on first use in this process."""
        key = (get_language(), get_script_prefix())
        if key not in _PARTS:
            _PARTS[key] = cls()
        return _PARTS[key]

    def __init__(self):
        # One reverse() serves every row; each identifier is encoded as reverse() would (converters.py).
        url = reverse("commitments:commitment-detail", args=["IDENTIFIER"])
        self._before, self._after = url.split("IDENTIFIER")
        self.starred = f'\n        <span class="star">{escape(_("Starred"))}</span>'
        self.statuses = {value: escape(str(label)) for value, label in Commitment.Status.choices}
        self._ratings = {}  # the few completion values recur on every row: one label each
        # What a snippet is read from, as the row says it: "Description: … <mark>…</mark> …".
        fields = {name: Commitment._meta.get_field(name.split("__")[0]) for name in SNIPPET_SOURCES}
        self.snippet_sources = {name: escape(capfirst(field.verbose_name)) for name, field in fields.items()}
        self.snippet_sources["search_text"] = escape(_("Matched words"))

    def url(self, identifier) -> str:
        return escape(self._before + identifier_segment(identifier) + self._after)

    def completion(self, value) -> str:
        if value in self._ratings:
            return self._ratings[value]
        html = rating(value, "Completion")
        if value is None or value in COMPLETION_VALUES:  # not a value outside the scale: a bounded set
            self._ratings[value] = html
        return html


COMPLETION_VALUES = frozenset(Completion.values)
_PARTS: dict[tuple, RowParts] = {}


def _joined(lines) -> str:
    """A table's lines as one safe string: each line escapes every value it holds."""
    return mark_safe("\n".join(lines))  # noqa: S308 - see above


def _snippet(parts, row, query_words) -> str:
    """Under the title, why the row matches a text search (search.snippet): each piece escaped,
    only the <mark>s markup."""
    found = snippet(row, query_words)
    if found is None:
        return ""
    source, pieces, cut_before, cut_after = found
    text = "".join(f"<mark>{escape(piece)}</mark>" if matched else escape(piece)
                   for piece, matched in pieces)
    return (f'\n        <p class="snippet"><span class="snippet-source">{parts.snippet_sources[source]}:'
            f'</span> {"…" if cut_before else ""}{text}{"…" if cut_after else ""}</p>')


@register.filter
def list_rows(rows, query="") -> str:
    """The list page's <tr>s, from dicts of queries.LIST_COLUMNS; with a text search (`query`, and
    search.SNIPPET_COLUMNS in the dicts), each title with the snippet of what matched."""
    parts = RowParts.current()
    query_words = words(clean_query(query)[0]) if query else []
    return _joined(
        f'<tr>\n      <td class="identifier-cell">{escape(row["identifier"])}</td>\n'
        f'      <th scope="row"><a href="{parts.url(row["identifier"])}">{escape(row["title"])}</a>'
        f'{parts.starred if row["starred"] else ""}'
        f'{_snippet(parts, row, query_words) if query_words else ""}</th>\n'
        f'      <td>{escape(row["action_plan__member__name"])}<br><span class="muted nowrap" '
        f'title="{escape(row["action_plan__title"])}">{row["action_plan__submission_year"]}–'
        f'{row["action_plan__end_year"]}</span></td>\n'
        f'      <td>{escape(row["lead_institution__name"] or "")}</td>\n'
        f'      <td>{parts.statuses.get(row["status"]) or escape(row["status"])}</td>\n'
        f'      <td>{parts.completion(row["mid_term_completion"])}</td>\n'
        f'      <td>{parts.completion(row["end_of_term_completion"])}</td>\n    </tr>'
        for row in rows)


@register.simple_tag
def other_commitment_items(others, cycle, current_pk) -> str:
    """The <li>s of one plan's commitments on a commitment page (queries.OtherCommitment): a
    template loop over a thousand lines costs more than all of the page's queries."""
    starred = format_html('<span class="star">{}</span> ', _("Starred commitment"))
    this_one = format_html('<span class="muted">{}</span>', _("(this commitment)"))
    cycle = escape(str(cycle))  # OGP names a plan's cycle by its year of submission (ActionPlan.cycle)
    parts = RowParts.current()
    lines = []
    for other in others:
        # escape() on each value, not format_html() per line: a thousand lines add up.
        if other.pk == current_pk:
            name = f'<span aria-current="page">{escape(other.title)}</span> {this_one}'
        else:
            name = f'<a href="{parts.url(other.identifier)}">{escape(other.title)}</a>'
        area = f", {escape(other.area)}" if other.area else ""
        lines.append(f'<li>{starred if other.starred else ""}{name}\n        '
                     f'<span class="muted">{escape(other.identifier)}, {cycle}{area}</span></li>')
    return _joined(lines)
