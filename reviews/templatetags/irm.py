"""Template tags that show IRM scale values with their labels, missing codes apart from ratings."""

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from reviews import scales
from reviews.summaries import NOT_ASSESSED_LABEL

register = template.Library()

SCALES = {name: getattr(scales, name) for name in (
    "Specificity", "YesNo", "PotentialImpact", "PotentialForResults", "Completion", "ChangeInCompletion",
    "OpenGovernment", "EarlyResults")}


def scale_label(value, scale_name: str) -> str:
    """The translated label of a stored scale value; "Not assessed" for None (no report)."""
    if value is None or value == "":
        return str(NOT_ASSESSED_LABEL)
    scale = SCALES[scale_name]
    try:
        return str(scale(value).label)
    except ValueError:
        # A value outside the scale is shown as stored rather than hidden or failing the page.
        return str(value)


@register.simple_tag
def rating(value, scale_name):
    """A scale value as a labelled span; missing codes and "not assessed" get their own class so
    they read (and print) differently from ratings."""
    label = scale_label(value, scale_name)
    if value is None or value == "" or value in scales.MISSING_CODES:
        return format_html('<span class="rating rating-missing">{}</span>', label)
    return format_html('<span class="rating rating-{}">{}</span>', value, label)


register.filter("scale_label", scale_label)


FOOTNOTE = re.compile(r"\[(\d{1,6})\]")


@register.filter(needs_autoescape=True)
def footnote_links(text, footnotes, autoescape=True):
    """Link the IRM's footnote marks ("[110]") in a narrative to the sources listed on the page.

    The text is escaped first (or is already-safe HTML from |linebreaks); only marks of sources
    that exist become links, so none points nowhere.
    """
    known = {str(number) for number in footnotes or ()}
    html = conditional_escape(text) if autoescape else text

    def link(match):
        number = match.group(1)
        if number not in known:
            return match.group(0)
        return f'<a href="#source-{number}" class="footnote">[{number}]</a>'

    # Safe: the text was escaped above, and the links hold only digits.
    return mark_safe(FOOTNOTE.sub(link, str(html)))
