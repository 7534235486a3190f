"""The public commitment list, /commitments/: filters, facets, sorting, pagination, bad input."""

import re
from html import unescape

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from commitments.facets import FacetCounter
from commitments.filters import CommitmentFilter
from commitments.models import Commitment
from reviews.models import IRMReport
from tests.caches import clear_caches
from tests.commitments.factories import (
    ActionPlanFactory,
    CommitmentFactory,
    InstitutionFactory,
    MemberFactory,
    PolicyAreaFactory,
)
from tests.html_forms import form_data
from tests.reviews.factories import AssessmentFactory, IRMReportFactory

pytestmark = pytest.mark.django_db

URL = "/commitments/"


def text_of(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def identifiers(response) -> list[str]:
    """The identifiers of the rows the page shows, in order."""
    return re.findall(r'<td class="identifier-cell">([^<]+)</td>', response.content.decode())


def options(response, name) -> dict[str, str]:
    """value -> text ("Alpha (3)") of the filter form's checkboxes or radio buttons named `name`."""
    html = response.content.decode()
    found = re.findall(rf'<input type="(?:checkbox|radio)" name="{name}" value="([^"]*)"[^>]*>(.*?)</label>',
                       html, flags=re.S)
    assert found, f"no choices for {name}"
    return {value: unescape(" ".join(re.sub(r"<[^>]+>", " ", text).split())) for value, text in found}


def get(client, query="", **headers):
    """The page as a browser ends on it (following the redirect to the canonical URL)."""
    response = client.get(URL + ("?" + query if query else ""), follow=True, **headers)
    assert response.status_code == 200
    return response


@pytest.fixture
def catalogue(db):
    """Two members, three plans, five commitments with IRM assessments that tell them apart."""
    alpha, beta = MemberFactory(name="Alpha", slug="alpha"), MemberFactory(name="Beta", slug="beta")
    alpha_2014 = ActionPlanFactory(member=alpha, ogp_id="AP_ALP01", submission_year=2014, end_year=2016)
    alpha_2018 = ActionPlanFactory(member=alpha, ogp_id="AP_ALP02", submission_year=2018, end_year=2020)
    beta_2016 = ActionPlanFactory(member=beta, ogp_id="AP_BET01", submission_year=2016, end_year=2018)
    ministry_x = InstitutionFactory(name="Ministry of Finance")
    ministry_y = InstitutionFactory(name="Congress")
    legislature = PolicyAreaFactory(name="Legislature", slug="legislature")
    open_data = PolicyAreaFactory(name="Open Data", slug="open-data")
    commitments = {
        "AL0001": CommitmentFactory(identifier="AL0001", action_plan=alpha_2014,
                                    title="Open parliament portal",
                                    lead_institution=ministry_x, access_to_information=True, starred=True,
                                    policy_areas=[legislature]),
        "AL0002": CommitmentFactory(identifier="AL0002", action_plan=alpha_2014, title="Budget transparency",
                                    lead_institution=ministry_y, civic_participation=True,
                                    status=Commitment.Status.INACTIVE, policy_areas=[open_data]),
        "AL0003": CommitmentFactory(identifier="AL0003", action_plan=alpha_2018,
                                    title="Beneficial ownership register", lead_institution=ministry_x,
                                    public_accountability=True),
        "BE0001": CommitmentFactory(identifier="BE0001", action_plan=beta_2016,
                                    title="Citizen participation law",
                                    lead_institution=ministry_y, technology_innovation=True, starred=True,
                                    status=Commitment.Status.INACTIVE, policy_areas=[legislature, open_data]),
        "BE0002": CommitmentFactory(identifier="BE0002", action_plan=beta_2016, title="Lobbying register",
                                    lead_institution=None),
    }
    progress = IRMReportFactory(action_plan=alpha_2014, kind=IRMReport.Kind.PROGRESS, publication_year=2015)
    end_of_term = IRMReportFactory(action_plan=alpha_2014, kind=IRMReport.Kind.END_OF_TERM,
                                   publication_year=2016)
    beta_end = IRMReportFactory(action_plan=beta_2016, kind=IRMReport.Kind.END_OF_TERM, publication_year=2018)
    AssessmentFactory(commitment=commitments["AL0001"], report=progress, completion="limited",
                      potential_impact="moderate")
    AssessmentFactory(commitment=commitments["AL0001"], report=end_of_term, completion="complete",
                      did_it_open_government="major")
    AssessmentFactory(commitment=commitments["AL0002"], report=progress, completion="not-started")
    AssessmentFactory(commitment=commitments["AL0002"], report=end_of_term, completion="substantial",
                      did_it_open_government="marginal")
    AssessmentFactory(commitment=commitments["BE0001"], report=beta_end, completion="limited",
                      potential_for_results="substantial")
    return commitments


# Listing, counting, paginating --------------------------------------------------------------------

def test_lists_25_a_page_and_says_how_many_match(client):
    plan = ActionPlanFactory()
    for number in range(30):
        CommitmentFactory(identifier=f"PG{number:04d}", action_plan=plan)
    response = get(client)
    assert len(identifiers(response)) == 25
    assert identifiers(response)[0] == "PG0000"
    assert "30 commitments match." in text_of(response)
    second = get(client, "page=2")
    assert identifiers(second) == [f"PG{number:04d}" for number in range(25, 30)]


def test_pagination_links_keep_the_filters(client):
    plan = ActionPlanFactory(member=MemberFactory(name="Gamma", slug="gamma"))
    for number in range(27):
        CommitmentFactory(identifier=f"GA{number:04d}", action_plan=plan, status=Commitment.Status.INACTIVE)
    CommitmentFactory(identifier="GA9999", action_plan=plan, status=Commitment.Status.ACTIVE)
    response = get(client, "member=gamma&status=inactive&sort=-identifier")
    html = response.content.decode()
    assert 'href="?member=gamma&amp;status=inactive&amp;sort=-identifier&amp;page=2"' in html
    second = get(client, "member=gamma&status=inactive&sort=-identifier&page=2")
    assert identifiers(second) == ["GA0001", "GA0000"]
    assert "27 commitments match." in text_of(second)
    # Page 1 is the plain URL: one address per state.
    previous = 'href="?member=gamma&amp;status=inactive&amp;sort=-identifier" rel="prev"'
    assert previous in second.content.decode()


def test_the_form_submits_the_state_the_page_shows(client, catalogue):
    """The filter form, read as a browser submits it, reproduces the same list."""
    response = get(client, "member=alpha&completion=substantial&sort=-title&q=budget")
    data = form_data(response.content.decode(), "commitment-filters")
    assert data["member"] == "alpha" and data["completion"] == "substantial"
    assert data["sort"] == "-title" and data["q"] == "budget"
    again = client.get(URL, data, follow=True)
    assert identifiers(again) == identifiers(response) == ["AL0002"]
    # The empty fields the form submits are dropped by the redirect: the short URL to share.
    assert again.redirect_chain == [
        ("/commitments/?q=budget&member=alpha&completion=substantial&sort=-title", 302)]


# Each filter --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("member=alpha", ["AL0001", "AL0002", "AL0003"]),
    ("member=beta", ["BE0001", "BE0002"]),
    ("action_plan=AP_ALP01", ["AL0001", "AL0002"]),
    ("policy_area=legislature", ["AL0001", "BE0001"]),
    ("policy_area=open-data", ["AL0002", "BE0001"]),
    ("value=access-to-information", ["AL0001"]),
    ("value=civic-participation", ["AL0002"]),
    ("value=public-accountability", ["AL0003"]),
    ("value=technology-innovation", ["BE0001"]),
    ("status=active", ["AL0001", "AL0003", "BE0002"]),
    ("status=inactive", ["AL0002", "BE0001"]),
    ("starred=true", ["AL0001", "BE0001"]),
    ("starred=false", ["AL0002", "AL0003", "BE0002"]),
    ("midterm_completion=limited", ["AL0001"]),
    ("midterm_completion=not-started", ["AL0002"]),
    ("completion=complete", ["AL0001"]),
    ("completion=substantial", ["AL0002"]),
    ("completion=limited", ["BE0001"]),
    ("completion=Substantial", ["AL0002"]),
    ("completion=ND", ["AL0003", "BE0002"]),
    ("completion=nd", ["AL0003", "BE0002"]),
    ("completion=NR", []),
    # The export's spellings, and the Spanish reports', are read too.
    ("midterm_completion=Not+Started", ["AL0002"]),
    ("completion=Sustancial", ["AL0002"]),
    ("open_government=Significativamente", ["AL0001"]),
    ("potential_impact=moderate", ["AL0001"]),
    ("potential_for_results=substantial", ["BE0001"]),
    ("open_government=major", ["AL0001"]),
    ("open_government=marginal", ["AL0002"]),
    ("year_min=2016", ["AL0003", "BE0001", "BE0002"]),
    ("year_max=2014", ["AL0001", "AL0002"]),
    ("year_min=2015&year_max=2017", ["BE0001", "BE0002"]),
    ("q=parliament", ["AL0001"]),
    ("q=register", ["AL0003", "BE0002"]),
    ("member=alpha&status=active&policy_area=legislature", ["AL0001"]),
    ("member=beta&completion=limited&starred=true", ["BE0001"]),
])
def test_each_filter_narrows_the_list(client, catalogue, query, expected):
    assert identifiers(get(client, query)) == expected


def test_lead_institution_filter_takes_the_institution_id(client, catalogue):
    congress = catalogue["AL0002"].lead_institution
    response = get(client, f"lead_institution={congress.pk}")
    assert identifiers(response) == ["AL0002", "BE0001"]
    assert "Lead institution: Congress" in text_of(response)


def test_missing_codes_are_distinct_from_each_other(client, catalogue):
    AssessmentFactory(commitment=catalogue["AL0003"],
                      report=IRMReportFactory(action_plan=catalogue["AL0003"].action_plan,
                                              kind=IRMReport.Kind.END_OF_TERM),
                      completion="NR")
    assert identifiers(get(client, "completion=nr")) == ["AL0003"]
    assert identifiers(get(client, "completion=ND")) == ["BE0002"]


# Facets and active filters ------------------------------------------------------------------------

def test_facets_count_each_choice_with_the_other_filters_applied(client, catalogue):
    response = get(client, "member=alpha")
    # The member facet ignores the member filter: choosing Beta instead would give 2.
    assert options(response, "member") == {"alpha": "Alpha (3)", "beta": "Beta (2)"}
    # Other facets count within Alpha.
    assert options(response, "status")["active"] == "Active (2)"
    assert options(response, "status")["inactive"] == "Inactive (1)"
    assert options(response, "completion")["complete"] == "Complete (1)"
    assert options(response, "completion")["ND"] == "No data (1)"
    assert options(response, "policy_area") == {"legislature": "Legislature (1)",
                                                "open-data": "Open Data (1)"}
    assert options(response, "value")["technology-innovation"] == "Technology and innovation (0)"
    assert options(response, "action_plan") == {"AP_ALP01": "Alpha Action Plan 2014-2016 (2)",
                                                "AP_ALP02": "Alpha Action Plan 2018-2020 (1)"}


def test_the_year_range_is_two_number_inputs(client, catalogue):
    response = get(client, "year_max=2016")
    html = response.content.decode()
    assert '<input type="number" id="filter-year_max" name="year_max" value="2016"' in html
    assert '<input type="number" id="filter-year_min" name="year_min" value=""' in html
    assert identifiers(response) == ["AL0001", "AL0002", "BE0001", "BE0002"]


def test_facets_take_a_constant_number_of_queries(client, catalogue, django_assert_max_num_queries):
    filters = "q=portal&member=alpha&policy_area=legislature&status=active&completion=complete&year_min=2014"
    with CaptureQueriesContext(connection) as plain:
        get(client)
    # Validating the three model filters, the member in use counted apart from the plans
    # (unfiltered, one GROUP BY per plan serves both), and the ids the search matches (facets.py
    # _match_version: what lets a title save keep the search's counts).
    with django_assert_max_num_queries(len(plain) + 6):
        response = get(client, filters)
    assert identifiers(response) == ["AL0001"]


def test_active_filters_are_listed_and_each_can_be_removed(client, catalogue):
    response = get(client, "member=alpha&completion=complete&q=portal&sort=title")
    html = response.content.decode()
    text = text_of(response)
    assert "Active filters" in text
    assert "Member: Alpha" in text and "End-of-term completion: Complete" in text and "Search: portal" in text
    # Removing one keeps the others (and the sort), in the filters' own order.
    assert 'href="?member=alpha&amp;completion=complete&amp;sort=title"' in html
    assert 'href="?q=portal&amp;completion=complete&amp;sort=title"' in html
    assert 'href="?q=portal&amp;member=alpha&amp;sort=title"' in html
    removed = get(client, "completion=complete&q=portal&sort=title")
    assert "Member: Alpha" not in text_of(removed)


def test_no_active_filters_section_without_filters(client, catalogue):
    assert "Active filters" not in text_of(get(client))


# Sorting ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sort", "expected"), [
    ("identifier", ["AL0001", "AL0002", "AL0003", "BE0001", "BE0002"]),
    ("-identifier", ["BE0002", "BE0001", "AL0003", "AL0002", "AL0001"]),
    ("title", ["AL0003", "AL0002", "BE0001", "BE0002", "AL0001"]),
    ("-title", ["AL0001", "BE0002", "BE0001", "AL0002", "AL0003"]),
    ("year", ["AL0001", "AL0002", "BE0001", "BE0002", "AL0003"]),
    ("-year", ["AL0003", "BE0001", "BE0002", "AL0001", "AL0002"]),
    # Lowest completion first; no rating (ND) last either way.
    ("completion", ["BE0001", "AL0002", "AL0001", "AL0003", "BE0002"]),
    ("-completion", ["AL0001", "AL0002", "BE0001", "AL0003", "BE0002"]),
])
def test_sorting(client, catalogue, sort, expected):
    assert identifiers(get(client, f"sort={sort}")) == expected


# Search on the seed -------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["secretaria ejecutiva de gobierno abierto", "SECRETARÍA Ejecutiva",
                                   "Secretaría ejecutiva de Gobierno Abierto", "cl0050"])
def test_search_finds_cl0050_whatever_the_accents_and_case(client, chile, query):
    response = client.get(URL, {"q": query})
    assert "CL0050" in identifiers(response)
    assert len(identifiers(response)) < 62


def test_search_matches_institutions(client, chile):
    # The lead institution of CL0050 (its title and description do not name it this way).
    response = client.get(URL, {"q": "ministerio general presidencia"})
    assert "CL0050" in identifiers(response)


# Language -----------------------------------------------------------------------------------------

def test_the_page_follows_the_browser_language_spanish(client, catalogue):
    response = get(client, "member=alpha", HTTP_ACCEPT_LANGUAGE="es")
    text = text_of(response)
    assert '<html lang="es">' in response.content.decode()
    assert "Compromisos" in text and "Filtros activos" in text
    assert "Sustancial" in text and "Completo" in text and "Limitado" in text
    assert "No iniciado" in text
    assert "3 compromisos coinciden." in text
    # Content stays in its own language.
    assert "Open parliament portal" in text


def test_english_by_default(client, catalogue):
    text = text_of(get(client, "member=alpha"))
    assert "Substantial" in text and "Sustancial" not in text


# Bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "notice"), [
    ("member=atlantis", "“atlantis” is not a valid value for “Member”"),
    ("action_plan=AP_NOPE", "“AP_NOPE” is not a valid value for “Action plan”"),
    ("completion=brilliant", "“brilliant” is not a valid value for “End-of-term completion”"),
    ("status=asleep", "“asleep” is not a valid value for “Status”"),
    ("starred=maybe", "“maybe” is not a valid value for “Starred”"),
    ("value=happiness", "“happiness” is not a valid value for “OGP value”"),
    ("lead_institution=abc", "“abc” is not a valid value for “Lead institution”"),
    ("lead_institution=99999999999999999999999", "is not a valid value for “Lead institution”"),
    ("year_min=soon", "“soon” is not a valid value for “From year”"),
    ("year_max=99999999999999999999", "is not a valid value for “To year”"),
    ("sort=random", "“random” is not a valid value for “Sort by”"),
    ("page=abc", "“abc” is not a page number: showing the first page."),
    ("page=0", "There is no page 0: showing page 1."),
    ("page=-3", "There is no page -3: showing page 1."),
    ("page=99999999999999999999999999", "There is no page 99999999999999999999: showing page 1."),
])
def test_bad_input_gives_the_page_with_a_notice(client, catalogue, query, notice):
    response = get(client, query)
    assert notice in text_of(response)
    # The invalid filter is ignored: every commitment is listed.
    assert len(identifiers(response)) == 5


def test_an_unknown_value_is_not_carried_into_links(client, catalogue):
    response = get(client, "member=atlantis&status=active")
    main = response.content.decode().split('<main', 1)[1]
    assert "atlantis" not in main.replace("“atlantis”", "")
    assert form_data(main, "commitment-filters").get("member", "") == ""
    assert identifiers(response) == ["AL0001", "AL0003", "BE0002"]


def test_an_overlong_search_is_cut_with_a_notice(client, chile):
    response = client.get(URL, {"q": "secretaria ejecutiva " + "x" * 5000})
    assert response.status_code == 200
    assert "The search text was cut to its first 200 characters." in text_of(response)
    assert 'maxlength="200"' in response.content.decode()


@pytest.mark.parametrize("raw_query", ["q=%00", "q=%FF%FE%00abc", "q=secretar%C3%ADa%00ejecutiva",
                                       "q=%E2%80%8F%01", "q=%27%22%3B--", "q=a%3A*%20%26%20%21%7C",
                                       "q=%28%29%3C%3E"])
def test_binary_or_syntax_heavy_search_never_fails(client, chile, raw_query):
    response = client.get(f"{URL}?{raw_query}", follow=True)
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


def test_nul_is_read_as_a_space(client, chile):
    response = client.get(f"{URL}?q=secretar%C3%ADa%00ejecutiva")
    assert "CL0050" in identifiers(response)


def test_out_of_range_page_shows_the_last_page(client):
    plan = ActionPlanFactory()
    for number in range(30):
        CommitmentFactory(identifier=f"PG{number:04d}", action_plan=plan)
    response = get(client, "page=7")
    assert "There is no page 7: showing page 2." in text_of(response)
    assert len(identifiers(response)) == 5


# Query counts -------------------------------------------------------------------------------------

def _make(count):
    plan = ActionPlanFactory()
    progress = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.PROGRESS, publication_year=2017)
    area, helper = PolicyAreaFactory(), InstitutionFactory()
    for _ in range(count):
        commitment = CommitmentFactory(action_plan=plan, policy_areas=[area],
                                       supporting_institutions=[helper],
                                       lead_institution=InstitutionFactory())
        AssessmentFactory(commitment=commitment, report=progress, completion="limited")


def _queries(client, query=""):
    # Counted cold: the facet counts are cached per filter state (commitments.facets).
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        get(client, query)
    return len(captured)


def test_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    _make(5)
    few = _queries(client)
    few_filtered = _queries(client, "status=active&midterm_completion=limited&q=contracting")
    _make(55)
    assert Commitment.objects.count() == 60
    with django_assert_max_num_queries(20):
        get(client)
    assert _queries(client) == few
    assert _queries(client, "status=active&midterm_completion=limited&q=contracting") == few_filtered
    assert _queries(client, "page=3") == few


# The FilterSet as the exports use it ---------------------------------------------------------------

def test_filterset_works_on_a_plain_queryset(catalogue):
    query = QueryDict("member=alpha&completion=complete")
    filterset = CommitmentFilter(query, queryset=Commitment.objects.all())
    assert [c.identifier for c in filterset.qs] == ["AL0001"]


def test_filterset_ignores_unknown_values_and_says_so(catalogue):
    query = QueryDict("member=atlantis&completion=ND")
    filterset = CommitmentFilter(query, queryset=Commitment.objects.all())
    assert [c.identifier for c in filterset.qs] == ["AL0003", "BE0002"]
    assert len(filterset.notices()) == 1


# Markup --------------------------------------------------------------------------------------------

def test_every_control_is_labelled_and_nothing_is_inline(client, catalogue):
    html = get(client, "member=alpha").content.decode()
    main = html.split("<main", 1)[1]
    controls = re.findall(r'<(?:select|input)[^>]* id="([^"]+)"', main)
    assert len(controls) == 4  # the search box, the two years and the sort
    for control in controls:
        assert f'<label for="{control}">' in main
    # Every checkbox and radio button is inside its label.
    choices = re.findall(r'<input type="(?:checkbox|radio)"', main)
    assert len(choices) > 40 and len(choices) == main.count('<label><input type="')
    assert main.count("<h1") == 1
    # A Content-Security-Policy forbids inline scripts and style attributes.
    assert not re.findall(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html


def test_rows_and_choices_are_escaped_and_the_form_is_whole(client):
    """Titles, names and institutions are escaped in the rows and in the filter choices; text that
    looks like the marker the view puts the cached choices at stays text."""
    member = MemberFactory(name="<b>Member</b>", slug="bold")
    plan = ActionPlanFactory(member=member, title='Plan "<i>"', submission_year=2019, end_year=2021)
    CommitmentFactory(identifier="XS0001", action_plan=plan, starred=True,
                      title="<script>alert(1)</script> <!--facet-fieldsets-->",
                      lead_institution=InstitutionFactory(name="<em>Ministry</em>"))
    html = get(client).content.decode()
    assert "<script>alert(1)" not in html and "<b>Member" not in html and "<em>Ministry" not in html
    row = re.search(r'<td class="identifier-cell">XS0001</td>.*?</tr>', html, re.S).group(0)
    assert ('<a href="/commitments/XS0001/">&lt;script&gt;alert(1)&lt;/script&gt; '
            "&lt;!--facet-fieldsets--&gt;</a>") in row
    assert '<span class="star">Starred</span>' in row
    assert ('&lt;b&gt;Member&lt;/b&gt;<br><span class="muted nowrap" title="Plan &quot;&lt;i&gt;&quot;">'
            in row)
    assert "2019–2021" in row
    assert ('<td class="institution-cell" data-label="Lead institution">&lt;em&gt;Ministry&lt;/em&gt;</td>'
            in row)
    assert '<td class="status-cell" data-label="Status">Active</td>' in row
    assert row.count("rating-missing") == 2
    assert options(get(client), "member") == {"bold": "<b>Member</b> (1)"}
    assert html.count('id="commitment-filters"') == 1 and html.count("<fieldset>") == 3
    assert "<!--facet-fieldsets-->" not in html


def test_a_chosen_value_that_now_matches_nothing_stays_selected(client, catalogue):
    # Beta has no commitment with a complete end of term: its choice shows 0 and stays selected.
    response = get(client, "member=beta&completion=complete")
    assert options(response, "member")["beta"] == "Beta (0)"
    assert 'name="member" value="beta" checked' in response.content.decode()
    assert "No commitment matches these filters." in text_of(response)


def test_facet_choices_are_translated(client, catalogue):
    response = get(client, "member=alpha", HTTP_ACCEPT_LANGUAGE="es")
    assert options(response, "completion")["substantial"] == "Sustancial (1)"
    assert options(response, "midterm_completion")["not-started"] == "No iniciado (1)"
    assert options(response, "status")[""] == "Cualquiera"


def test_column_headers_sort_and_reverse_keeping_the_filters(client, catalogue):
    html = get(client, "member=alpha").content.decode()
    # Sorted by identifier by default: its header reverses it; the others sort by themselves.
    assert '<th scope="col" aria-sort="ascending"><a href="?member=alpha&amp;sort=-identifier">' in html
    assert '<a href="?member=alpha&amp;sort=title">Title</a>' in html
    html = get(client, "member=alpha&sort=-completion&page=1").content.decode()
    assert '<th scope="col" aria-sort="descending"><a href="?member=alpha&amp;sort=completion">' in html


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["", "member=chile", "completion=substantial&starred=true",
                                   "status=inactive&progress_disagrees=false"])
def test_fixed_choice_facets_counted_together_equal_each_counted_alone(chile, state):
    from io import StringIO

    from django.core.management import call_command

    call_command("generate_demo_data", commitments=60, stdout=StringIO())
    filterset = CommitmentFilter(QueryDict(state), queryset=Commitment.objects.all())
    active = filterset.active_values()
    counter = FacetCounter(filterset)
    idle = [name for name in counter.fixed_facets() if name not in active]

    together = counter._fixed_counts(idle)

    assert idle and any(sum(counts.values()) for counts in together.values())
    for name in idle:
        alone = counter._column_facet(name, counter._fixed_counts([name], without=[name])[name])
        assert [(choice.value, choice.count) for choice in counter._column_facet(name, together[name])] == \
            [(choice.value, choice.count) for choice in alone], name
