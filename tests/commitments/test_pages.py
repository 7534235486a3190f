"""The public pages: home, a commitment, the members, an action plan, and the error pages."""

import re
from html import unescape

import pytest
from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import bad_request, server_error

from commitments.models import Commitment
from commitments.queries import commitment_detail_context, commitment_detail_queryset
from reviews.models import IRMReport
from reviews.scales import ChangeInCompletion, Completion, OpenGovernment, YesNo
from tests.commitments.factories import (
    ActionPlanFactory,
    CommitmentFactory,
    InstitutionFactory,
    MemberFactory,
    MilestoneFactory,
    PolicyAreaFactory,
)
from tests.reviews.factories import AssessmentFactory, IRMReportFactory

pytestmark = pytest.mark.django_db

# The completion table's heads, each with its link to the missing values' legend.
HEADS_WITH_LEGEND_LINKS = " ".join(
    f"{head} ? What a missing rating means" for head in ("Mid-term", "End of term", "Change in completion"))


def text_of(response) -> str:
    """The page's visible text, tags removed and spaces collapsed, as a reader meets it."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section_text(response, heading_id) -> str:
    """The visible text of the <section> labelled by heading_id."""
    html = response.content.decode()
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', html, flags=re.S)
    assert match, f"no section {heading_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def assert_accessible_structure(response):
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "<main" in html and "<nav" in html and "<header" in html and "<footer" in html
    # A Content-Security-Policy forbids inline scripts and style attributes.
    assert "<script" not in html
    assert " style=" not in html


# Home -------------------------------------------------------------------------------------------

def test_home_says_what_the_site_is_and_gives_totals(chile, client):
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Open Government Partnership commitments" in text
    assert "Independent Reporting Mechanism" in text
    totals = section_text(response, "totals-heading")
    assert "Members 1" in totals
    assert "Action plans 4" in totals
    assert "Commitments 62" in totals
    assert "Starred commitments 3" in totals
    assert 'href="/members/chile/"' in response.content.decode()
    assert 'href="/commitments/"' in response.content.decode()
    assert_accessible_structure(response)


def test_home_lists_the_most_recently_updated_commitment_first(chile, client):
    commitment = Commitment.objects.get(identifier="CL0007")
    commitment.title = "Recently edited commitment"
    commitment.save()
    recent = section_text(client.get("/"), "recent-heading")
    assert recent.index("Recently edited commitment") < recent.index("Institutionalizing the Alliance")


def test_home_query_count_does_not_grow_with_members_and_commitments(client, django_assert_max_num_queries):
    CommitmentFactory.create_batch(3)
    with django_assert_max_num_queries(5) as small_queries:
        small = client.get("/")
    CommitmentFactory.create_batch(30)
    with django_assert_max_num_queries(5) as large_queries:
        large = client.get("/")
    assert small.status_code == large.status_code == 200
    assert len(small_queries.captured_queries) == len(large_queries.captured_queries)
    assert "Commitments 33" in section_text(large, "totals-heading")


def test_home_with_an_empty_database(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No commitments yet." in text_of(response)


# Commitment page --------------------------------------------------------------------------------

@pytest.fixture
def cl0050_page(chile, client):
    response = client.get("/commitments/CL0050/")
    assert response.status_code == 200
    return response


def test_commitment_page_title_and_landmarks(cl0050_page):
    html = cl0050_page.content.decode()
    assert re.search(r"<h1>Institutionalizing the Alliance for Open Government in Chile.*\(CL0050\)",
                     html, re.S)
    assert_accessible_structure(cl0050_page)
    assert '<dl class="facts">' in html
    assert "css/pages.css" in html


def test_commitment_page_at_a_glance(cl0050_page):
    glance = section_text(cl0050_page, "glance-heading")
    assert "Action plan Chile Action Plan 2016-2018" in glance
    assert "Action plan cycle 2016" in glance
    assert "Status Inactive" in glance
    assert "Lead institution Ministerio Secretaría General de la Presidencia" in glance
    assert ("Support institutions Organizaciones de la Sociedad Civil en la Mesa de Trabajo de OGP en Chile"
            in glance)
    assert "Legislature , OGP , Public Participation" in glance
    assert "Chile Mid-Term Report 2016-2018; Chile End-of-Term Report 2016-2018" in glance
    assert "IRM researcher Álvaro Ramírez, profesor de la Universidad de Chile" in glance
    assert "Starred No" in glance
    assert "Early results Major" in glance
    assert "Start date septiembre 2016" in glance
    assert "End date junio 2018" in glance
    html = cl0050_page.content.decode()
    assert 'href="/members/chile/plans/AP_CHL03/"' in html
    assert 'href="https://www.opengovpartnership.org/members/chile/commitments/CL0050/"' in html
    assert 'href="/commitments/?policy_area=legislature"' in html


def test_commitment_page_design(cl0050_page):
    design = section_text(cl0050_page, "design-heading")
    assert "Verifiable Yes" in design
    assert "Access to information: Yes" in design
    assert "Civic participation: Yes" in design
    assert "Public accountability: No" in design
    # The seed's potential impact is unrated: shown as the missing code, not as a rating.
    assert "Potential impact No data" in design
    assert '<span class="rating rating-missing">No data</span>' in cl0050_page.content.decode()


def test_commitment_page_completion_side_by_side_with_the_change(cl0050_page):
    implementation = section_text(cl0050_page, "implementation-heading")
    assert HEADS_WITH_LEGEND_LINKS + " Limited Substantial Increase" in implementation
    assert "Mid-term: Limited El cumplimiento de medio término se consideró limitado" in implementation
    assert "End of term: Substantial A fin de término este compromiso se considera cumplido" in implementation


def test_commitment_page_description_sections_and_irm_summary(cl0050_page):
    description = section_text(cl0050_page, "description-heading")
    for heading in ("Status quo or problem addressed", "Main objective", "Brief description",
                    "OGP challenge addressed", "Relevance", "Ambition"):
        assert f"<h3>{heading}</h3>" in cl0050_page.content.decode()
    assert "Este compromiso apunta a resolver la falta de un espacio formal" in description
    assert "Commitment aim, as the IRM summarises it El objetivo de este compromiso era" in description


def test_commitment_page_description_without_sections_shows_the_whole_text(client):
    commitment = CommitmentFactory(description="One paragraph of plain text.")
    description = section_text(client.get(commitment.get_absolute_url()), "description-heading")
    assert "One paragraph of plain text." in description


def test_commitment_page_milestones_in_order_with_status(cl0050_page):
    html = cl0050_page.content.decode()
    assert '<ol class="milestones">' in html
    milestones = section_text(cl0050_page, "milestones-heading")
    expected = [("Diseño de la Secretaría Ejecutiva", "Complete"), ("Formalización", "Complete"),
                ("Monitoreo del tercer Plan de Acción", "Substantial"),
                ("Elaboración y difusión de reportes de seguimiento (2 reportes)", "Limited"),
                ("Elaboración del cuarto Plan de Acción (diseño e implementación)", "Substantial")]
    positions = [milestones.index(f"{text} Status: {status}") for text, status in expected]
    assert positions == sorted(positions)


def test_commitment_page_did_it_open_government_per_value_and_overall(cl0050_page):
    results = section_text(cl0050_page, "open-government-heading")
    assert "Access to information Marginal" in results
    assert "Civic participation Major" in results
    assert "Public accountability No data" in results
    assert "Overall Major" in results
    assert "La formalización de la Mesa de Gobierno Abierto ha sido un factor importante" in results


def test_commitment_page_carried_forward(cl0050_page):
    carried = section_text(cl0050_page, "carried-forward-heading")
    assert "Carried forward into the next action plan: No" in carried
    assert "El IV Plan de Acción de Chile no incorpora este compromiso." in carried


def test_commitment_page_sources_as_numbered_links(cl0050_page):
    html = cl0050_page.content.decode()
    assert '<li id="source-111" value="111"><a href="http://www.ogp.gob.cl/es/mesa-de-trabajo/">' in html
    # A source without a link is listed as text.
    assert '<li id="source-112" value="112">Ver sobre evento CEPAL en: Invitación y programa.</li>' in html
    assert html.count('<li id="source-') == 8


def test_commitment_page_lists_the_members_commitments_grouped_by_plan(cl0050_page):
    others = section_text(cl0050_page, "others-heading")
    plans = ["Chile Action Plan 2018-2020", "Chile Action Plan 2016-2018", "Chile Action Plan 2014-2016",
             "Chile Action Plan 2012-2014"]
    assert [others.index(title) for title in plans] == sorted(others.index(title) for title in plans)
    assert "Training Open Government CL0052, 2018, Capacity Building" in others
    assert ("Starred commitment Strengthening Environmental Democracy CL0031, 2014, Environment and Climate"
            in others)
    html = cl0050_page.content.decode()
    assert 'href="/commitments/CL0051/"' in html
    assert '<span aria-current="page">Institutionalizing' in html
    assert html.count('class="other-commitments"') == 4


def test_commitment_page_lists_other_commitments_escaped_with_first_area_and_star(client):
    plan = ActionPlanFactory(submission_year=2019, end_year=2021)
    current = CommitmentFactory(action_plan=plan, identifier="ZZ0002", title="Current & <b>bold</b>")
    areas = [PolicyAreaFactory(name="Water & Sanitation"), PolicyAreaFactory(name="Audits")]
    CommitmentFactory(action_plan=plan, identifier="ZZ0001", title='<script>alert("x")</script>',
                      starred=True, policy_areas=areas)
    response = client.get(current.get_absolute_url())
    html = response.content.decode()
    assert '<a href="/commitments/ZZ0001/">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a>' in html
    assert '<span aria-current="page">Current &amp; &lt;b&gt;bold&lt;/b&gt;</span>' in html
    others = section_text(response, "others-heading")
    # The first policy area by name, the plan's cycle, the star.
    assert 'Starred commitment <script>alert("x")</script> ZZ0001, 2019, Audits' in others
    assert "Current & <b>bold</b> (this commitment) ZZ0002, 2019" in others
    assert others.index("ZZ0001") < others.index("ZZ0002")


def test_commitment_page_leaves_room_for_staff_tools_and_history(chile):
    """Staff views extend the page: their blocks land under the title and after the sources."""
    commitment = commitment_detail_queryset().get(identifier="CL0050")
    child = Template('{% extends "commitments/commitment_detail.html" %}'
                     "{% block staff_tools %}<p>STAFF TOOLS</p>{% endblock %}"
                     "{% block history %}<p>HISTORY</p>{% endblock %}")
    html = child.render(RequestContext(RequestFactory().get("/"), commitment_detail_context(commitment)))
    assert html.index("<h1>") < html.index("STAFF TOOLS") < html.index('id="glance-heading"')
    assert html.index('id="sources-heading"') < html.index("HISTORY") < html.index('id="others-heading"')


def test_lowercase_identifier_redirects_permanently(chile, client):
    response = client.get("/commitments/cl0050/")
    assert response.status_code == 301
    assert response["Location"] == "/commitments/CL0050/"


@pytest.mark.parametrize("path", ["/commitments/CL9999/", "/commitments/%00%ff/",
                                  "/commitments/" + "X" * 5000 + "/"])
def test_unknown_commitment_gives_the_404_page(chile, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in text_of(response)
    assert 'href="/commitments/"' in response.content.decode()


def test_commitment_without_assessments_shows_not_assessed(client):
    commitment = CommitmentFactory(access_to_information=True)
    response = client.get(commitment.get_absolute_url())
    assert response.status_code == 200
    assert HEADS_WITH_LEGEND_LINKS + " Not assessed Not assessed Not assessed" in section_text(
        response, "implementation-heading")
    assert "Access to information (as the action plan states)" in section_text(response, "design-heading")
    assert "No milestones recorded." in text_of(response)


def test_results_report_shows_potential_for_results_and_early_results(client):
    commitment = CommitmentFactory()
    review = IRMReportFactory(action_plan=commitment.action_plan, kind=IRMReport.Kind.ACTION_PLAN_REVIEW,
                              publication_year=2021)
    results = IRMReportFactory(action_plan=commitment.action_plan, kind=IRMReport.Kind.RESULTS,
                               publication_year=2023)
    AssessmentFactory(commitment=commitment, report=review, potential_for_results="substantial")
    AssessmentFactory(commitment=commitment, report=results, completion=Completion.COMPLETE,
                      early_results="significant")
    response = client.get(commitment.get_absolute_url())
    assert "Potential for results Substantial" in section_text(response, "design-heading")
    assert "Early results Significant" in section_text(response, "glance-heading")
    assert "Not assessed Complete" in section_text(response, "implementation-heading")


def build_commitment(size):
    """A commitment with `size` milestones, sources, institutions, areas, and `size` sibling commitments."""
    plan = ActionPlanFactory()
    commitment = CommitmentFactory(
        action_plan=plan,
        policy_areas=PolicyAreaFactory.create_batch(size),
        supporting_institutions=InstitutionFactory.create_batch(size),
    )
    MilestoneFactory.create_batch(size, commitment=commitment)
    for footnote in range(size):
        commitment.sources.create(footnote=footnote + 1, text=f"Source {footnote}", url="https://example.org/")
    for kind in (IRMReport.Kind.PROGRESS, IRMReport.Kind.END_OF_TERM):
        AssessmentFactory(commitment=commitment, report=IRMReportFactory(action_plan=plan, kind=kind))
    for year in range(size):
        other_plan = ActionPlanFactory(member=plan.member, submission_year=2000 + year, end_year=2002 + year)
        CommitmentFactory.create_batch(2, action_plan=other_plan, policy_areas=[PolicyAreaFactory()])
    return commitment


def test_commitment_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    small, large = build_commitment(1), build_commitment(25)
    # Nine for the page itself (one per related list), four for the history timeline (the
    # commitment's, its milestones', sources' and assessments' records), one for its lineage.
    with django_assert_max_num_queries(14) as small_queries:
        assert client.get(small.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(14) as large_queries:
        response = client.get(large.get_absolute_url())
    assert response.status_code == 200
    assert len(small_queries.captured_queries) == len(large_queries.captured_queries)
    assert response.content.decode().count('<li id="source-') == 25
    assert section_text(response, "others-heading").count("TS") == 51


# Members and action plans -----------------------------------------------------------------------

def test_member_list_links_each_member_with_counts(chile, client):
    MemberFactory(name="Buenos Aires", slug="buenos-aires", kind="Local")
    response = client.get("/members/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Buenos Aires Americas Local 0 0" in text
    assert "Chile Americas National 4 62" in text
    assert 'href="/members/chile/"' in response.content.decode()
    assert_accessible_structure(response)


def test_member_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    # Members, their plans, and the commitments counted per plan: three, whatever the sizes.
    CommitmentFactory.create_batch(2)
    with django_assert_max_num_queries(3):
        client.get("/members/")
    CommitmentFactory.create_batch(20)
    with django_assert_max_num_queries(3):
        response = client.get("/members/")
    assert text_of(response).count(" Americas National 1 1") == 22


def test_member_page_lists_plans_with_commitments_and_irm_summary(chile, client):
    response = client.get("/members/chile/")
    assert response.status_code == 200
    assert_accessible_structure(response)
    html = response.content.decode()
    assert "<h1>Chile</h1>" in html
    for ogp_id in ("AP_CHL01", "AP_CHL02", "AP_CHL03", "AP_CHL04"):
        assert f'href="/members/chile/plans/{ogp_id}/"' in html
    assert html.count('class="commitment-table"') == 4
    assert html.count('href="#plan-') == 4  # the plans' contents
    assert html.count('href="/commitments/CL') == 62
    text = text_of(response)
    # The 2016-2018 plan's summary: CL0050 limited at mid-term, substantial at end of term, major.
    assert "Completion, Chile Action Plan 2016-2018" in text
    assert "Limited 1 0 Substantial 0 1 Complete 0 0" in text
    assert "Not assessed 18 18" in text
    assert "Major 1" in text
    assert "The IRM has not assessed these commitments yet." in text  # the other three plans


def test_member_page_shows_commitment_completion(chile, client):
    html = client.get("/members/chile/").content.decode()
    row = re.search(r"<td>CL0050</td>.*?</tr>", html, re.S).group(0)
    assert ">Limited<" in row and ">Substantial<" in row


def test_member_and_plan_pages_escape_rows_with_first_area_star_and_completion(client):
    plan = ActionPlanFactory(submission_year=2019, end_year=2021)
    report = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.END_OF_TERM)
    areas = [PolicyAreaFactory(name="Water & <Sanitation>"), PolicyAreaFactory(name="Zoning")]
    starred = CommitmentFactory(action_plan=plan, identifier="ZZ0001", title='<script>alert("x")</script>',
                                starred=True, policy_areas=areas)
    CommitmentFactory(action_plan=plan, identifier="ZZ0002", title="Plain")
    AssessmentFactory(commitment=starred, report=report, completion=Completion.SUBSTANTIAL)
    for url in (plan.member.get_absolute_url(), plan.get_absolute_url()):
        html = client.get(url).content.decode()
        row = re.search(r"<td>ZZ0001</td>.*?</tr>", html, re.S).group(0)
        assert ('<a href="/commitments/ZZ0001/">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a>'
                in row)
        assert '<span class="star">Starred</span>' in row
        assert "<td>Water &amp; &lt;Sanitation&gt;</td>" in row  # the first area by name
        assert '<span class="rating rating-substantial">Substantial</span>' in row
        assert '<span class="rating rating-missing">Not assessed</span>' in row  # no mid-term report
        plain = re.search(r"<td>ZZ0002</td>.*?</tr>", html, re.S).group(0)
        assert "star" not in plain and "<td></td>" in plain


def build_member(plan_count, commitments_per_plan):
    member = MemberFactory()
    for _ in range(plan_count):
        plan = ActionPlanFactory(member=member)
        report = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.END_OF_TERM)
        for commitment in CommitmentFactory.create_batch(commitments_per_plan, action_plan=plan,
                                                         policy_areas=[PolicyAreaFactory()]):
            AssessmentFactory(commitment=commitment, report=report, completion=Completion.COMPLETE,
                              did_it_open_government=OpenGovernment.MARGINAL,
                              change_in_completion=ChangeInCompletion.INCREASE, verifiable=YesNo.YES)
    return member


def test_member_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    small, large = build_member(1, 2), build_member(6, 15)
    with django_assert_max_num_queries(4) as small_queries:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(4) as large_queries:
        response = client.get(large.get_absolute_url())
    assert len(small_queries.captured_queries) == len(large_queries.captured_queries)
    assert response.content.decode().count('class="commitment-table"') == 6
    assert text_of(response).count("Complete 0 15") == 6


def test_action_plan_page(chile, client):
    response = client.get("/members/chile/plans/AP_CHL03/")
    assert response.status_code == 200
    assert_accessible_structure(response)
    html = response.content.decode()
    assert "<h1>Chile Action Plan 2016-2018</h1>" in html
    text = text_of(response)
    assert "Action plan cycle 2016" in text
    assert "Commitments 19" in text
    assert "Chile Mid-Term Report 2016-2018 (Mid-Term Progress Report, 2017)" in text
    assert "IRM researcher: Álvaro Ramírez" in text
    assert html.count('href="/commitments/CL') == 19
    assert "Limited 1 0 Substantial 0 1" in text


def test_action_plan_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    small, large = build_member(1, 2), build_member(1, 40)
    small_plan, large_plan = small.action_plans.get(), large.action_plans.get()
    with django_assert_max_num_queries(5) as small_queries:
        client.get(small_plan.get_absolute_url())
    with django_assert_max_num_queries(5) as large_queries:
        response = client.get(large_plan.get_absolute_url())
    assert len(small_queries.captured_queries) == len(large_queries.captured_queries)
    assert "Complete 0 40" in text_of(response)


@pytest.mark.parametrize("path", ["/members/nowhere/", "/members/chile/plans/AP_XXX99/",
                                  "/members/chile/plans/" + "A" * 3000 + "/"])
def test_unknown_member_or_plan_gives_404(chile, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_plan_under_another_member_gives_404(chile, client):
    other = MemberFactory(name="Peru", slug="peru")
    assert client.get("/members/peru/plans/AP_CHL03/").status_code == 404
    assert other.action_plans.count() == 0


# Language and error pages -----------------------------------------------------------------------

def test_spanish_browser_gets_the_page_in_spanish(chile, client):
    response = client.get("/commitments/CL0050/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert "<h2 id=\"milestones-heading\">Hitos</h2>" in response.content.decode()
    assert "Limitado Sustancial" in section_text(response, "implementation-heading")
    # Content stays in the language it was written in.
    assert "Diseño de la Secretaría Ejecutiva" in text_of(response)
    assert "Institutionalizing the Alliance for Open Government" in text_of(response)


def test_500_page_needs_no_database_and_no_context(django_assert_num_queries):
    with django_assert_num_queries(0), translation.override("en"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "<script" not in html and " style=" not in html
    with translation.override("es"):
        assert "<h1>" in render_to_string("500.html")


def test_400_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0), translation.override("en"):
        response = bad_request(RequestFactory().get("/"), exception=ValueError("bad"))
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_footnote_marks_in_narratives_link_to_their_sources(cl0050_page):
    html = cl0050_page.content.decode()
    assert '“Crea la Instancia de Participación en el Contexto de la Alianza para el Gobierno Abierto”. ' \
           '<a href="#source-110" class="footnote">[110]</a>' in html
    assert html.count('class="footnote"') == 8  # [110] to [117], each cited once


def test_footnote_marks_escape_the_narrative_and_skip_unknown_sources(client):
    commitment = CommitmentFactory()
    commitment.sources.create(footnote=1, text="A source")
    report = IRMReportFactory(action_plan=commitment.action_plan, kind=IRMReport.Kind.END_OF_TERM)
    AssessmentFactory(commitment=commitment, report=report, narrative="<b>bold</b> [1] and [2]")
    html = client.get(commitment.get_absolute_url()).content.decode()
    assert '&lt;b&gt;bold&lt;/b&gt; <a href="#source-1" class="footnote">[1]</a> and [2]' in html
