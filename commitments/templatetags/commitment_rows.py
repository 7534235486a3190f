"""What the commitment rows' templates ask of Python, and the one fragment still built in Python.

The list's rows are a template (commitments/_list_table.html), helped by `status_label`,
`search_words` and `row_snippet`. A commitment page's list of its member's commitments (331 lines
for the largest member) is built here: as a template it takes the page past its 30 ms target
(bench case "detail"; docs/decisions.md).
"""

from html import escape  # django.utils.html.escape without its SafeString wrapper: 4 calls a line
from typing import NamedTuple

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..converters import identifier_segment
from ..models import Commitment
from ..search import SUPPORTING, clean_query, snippet, words

register = template.Library()

_STATUS_LABELS = dict(Commitment.Status.choices)  # lazy labels: translated when rendered


@register.filter
def status_label(value):
    """A stored status as its label; a value outside the choices as stored."""
    return _STATUS_LABELS.get(value) or value


@register.filter
def search_words(query) -> list[str]:
    """The words of the list's text search, as search.snippet takes them (none without a search)."""
    return words(clean_query(query)[0]) if query else []


class Snippet(NamedTuple):
    """Why a row matches a text search, as its template shows it (search.snippet)."""

    source: str  # the label of the text it was read from ("Description", "Supporting institutions")
    pieces: list[tuple[str, bool]]  # (text, matched): the matched pieces are marked
    cut_before: bool
    cut_after: bool


@register.simple_tag
def row_snippet(row, query_words) -> Snippet | None:
    """The snippet under a list row's title, from a dict with search.SNIPPET_COLUMNS and
    search.snippet_values(): the words as written, the query's marked."""
    found = snippet(row, query_words)
    if found is None:
        return None
    source, pieces, cut_before, cut_after = found
    if source == SUPPORTING:
        source = "supporting_institutions"
    label = capfirst(Commitment._meta.get_field(source.split("__")[0]).verbose_name)
    return Snippet(label, pieces, cut_before, cut_after)


def _detail_url_parts() -> tuple[str, str]:
    """A commitment page's URL before and after its identifier, from one reverse() per language
    and URL prefix in this process."""
    key = (get_language(), get_script_prefix())
    if key not in _URL_PARTS:
        before, after = reverse("commitments:commitment-detail", args=["IDENTIFIER"]).split("IDENTIFIER")
        _URL_PARTS[key] = (before, after)
    return _URL_PARTS[key]


_URL_PARTS: dict[tuple, tuple[str, str]] = {}


# In Python: bench "detail", 2026-12-08, in turn: 28.7 ms built here, 46.4 ms as a template (target 30 ms).
@register.simple_tag
def other_commitment_items(others, cycle, current_pk) -> str:
    """The <li>s of one plan's commitments on a commitment page (queries.OtherCommitment), each
    value escaped, the HTML byte for byte what the template it replaces gave."""
    starred = format_html('<span class="star">{}</span> ', _("Starred commitment"))
    this_one = format_html('<span class="muted">{}</span>', _("(this commitment)"))
    cycle = escape(str(cycle))  # OGP names a plan's cycle by its year of submission (ActionPlan.cycle)
    before, after = _detail_url_parts()
    lines = []
    for other in others:
        if other.pk == current_pk:
            name = f'<span aria-current="page">{escape(other.title)}</span> {this_one}'
        else:
            # Each identifier encoded as reverse() would (converters.py), around the one reverse().
            url = escape(before + identifier_segment(other.identifier) + after)
            name = f'<a href="{url}">{escape(other.title)}</a>'
        area = f", {escape(other.area)}" if other.area else ""
        lines.append(f'<li>{starred if other.starred else ""}{name}\n        '
                     f'<span class="muted">{escape(other.identifier)}, {cycle}{area}</span></li>')
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped
