"""One legend of the IRM's missing values ("Not assessed", "No data", "Not reviewed", "Not
applicable"), on every page that shows ratings and linked from its rating column heads, in English
and Spanish; README's table says the same."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

PAGES = [
    "/commitments/",
    "/commitments/CL0050/",
    "/members/chile/",
    "/members/chile/plans/AP_CHL03/",
    "/members/chile/report/",
    "/members/chile/plans/AP_CHL03/report/",
]
HEAD_LINK = re.compile(r'<th scope="col"[^>]*>(?:(?!</th>).)*href="#missing-values"', re.S)


def legend_definitions(language) -> dict[str, str]:
    """The legend's terms and their meanings, as the partial renders them in that language."""
    with translation.override(language):
        html = render_to_string("reviews/_missing_values.html")
    pairs = re.findall(r'<span class="rating rating-missing">([^<]+)</span>.*?<dd>([^<]+)</dd>', html, re.S)
    return {unescape(term): unescape(meaning) for term, meaning in pairs}


def test_the_legend_defines_the_four_missing_values_in_both_languages():
    assert list(legend_definitions("en")) == ["Not assessed", "No data", "Not reviewed", "Not applicable"]
    spanish = legend_definitions("es")
    assert len(spanish) == 4 and not set(spanish.values()) & set(legend_definitions("en").values())


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("language, heading", [("en", "When a rating is missing"),
                                               ("es", "Cuando falta una valoración")])
def test_every_page_with_ratings_has_the_legend_once_linked_from_its_column_heads(
        client, chile, path, language, heading):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('id="missing-values"') == 1
    assert heading in html
    assert HEAD_LINK.search(html), "no column head links to the legend"
    for meaning in legend_definitions(language).values():
        assert meaning in unescape(html)


def test_the_readme_explains_the_missing_values_in_the_legends_words():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    for term, meaning in legend_definitions("en").items():
        assert re.search(rf"^\| {term} \| `(ND|NR|NA)` \| {re.escape(meaning)} \|$", readme, re.M), term

