"""Report pages: the IRM summary of a member and of an action plan, as HTML with charts and as XLSX."""

import re
from html import unescape
from io import BytesIO

import pytest
from openpyxl import load_workbook

from ogptracker.spreadsheets import neutralise
from reviews.models import IRMReport
from reviews.scales import NR
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory
from tests.reviews.factories import AssessmentFactory, IRMReportFactory
from tests.test_spreadsheets import assert_made_for_people

pytestmark = pytest.mark.django_db


def assess(plan, kind, year, findings):
    """One report of `kind` on `plan`; findings maps each commitment to its assessment's fields."""
    report = IRMReportFactory(action_plan=plan, kind=kind, publication_year=year)
    for commitment, fields in findings.items():
        AssessmentFactory(report=report, commitment=commitment, **fields)


@pytest.fixture
def testland():
    """A member with a 2014 plan (progress and end-of-term reports; one commitment never assessed)
    and a 2021 plan (action plan review and results report)."""
    member = MemberFactory(name="Testland", slug="testland")
    old = ActionPlanFactory(member=member, ogp_id="AP_TST01", submission_year=2014, end_year=2016,
                            title="Testland Action Plan 2014-2016")
    c1, c2, c3, _c4 = (CommitmentFactory(action_plan=old, starred=index == 0) for index in range(4))
    assess(old, IRMReport.Kind.PROGRESS, 2015, {
        c1: {"completion": "limited", "potential_impact": "transformative"},
        c2: {"completion": "substantial", "potential_impact": "moderate"},
        c3: {"completion": "not-started", "potential_impact": "minor"},
    })
    assess(old, IRMReport.Kind.END_OF_TERM, 2017, {
        c1: {"completion": "complete", "change_in_completion": "increase", "did_it_open_government": "major",
             "open_government_access_to_information": "major",
             "open_government_civic_participation": "marginal",
             "open_government_public_accountability": "not-applicable"},
        c2: {"completion": "substantial", "change_in_completion": "no-change",
             "did_it_open_government": "marginal", "open_government_access_to_information": "marginal",
             "open_government_civic_participation": "did-not-change"},
        c3: {"completion": "limited", "change_in_completion": "increase",
             "did_it_open_government": "did-not-change"},
    })
    new = ActionPlanFactory(member=member, ogp_id="AP_TST02", submission_year=2021, end_year=2023,
                            title="Testland Action Plan 2021-2023")
    d1, d2 = CommitmentFactory.create_batch(2, action_plan=new)
    assess(new, IRMReport.Kind.ACTION_PLAN_REVIEW, 2022, {
        d1: {"potential_for_results": "substantial"}, d2: {"potential_for_results": "modest"}})
    assess(new, IRMReport.Kind.RESULTS, 2024, {
        d1: {"completion": "complete", "did_it_open_government": "outstanding"},
        d2: {"completion": "withdrawn", "did_it_open_government": NR}})
    return member


def table_rows(response, key) -> list[list[str]]:
    """The body rows of the report table `key`, each as its cells' text."""
    html = response.content.decode()
    body = re.search(rf'<table class="report-table" id="table-{key}"[^>]*>.*?<tbody>(.*?)</tbody>',
                     html, re.S).group(1)
    return [[" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def table(response, key) -> dict[str, tuple[int, str]]:
    """The rows of the report table `key`: label -> (count, share of every commitment as shown)."""
    return {cells[0]: (int(cells[1]), cells[-1].removesuffix("%")) for cells in table_rows(response, key)}


def assessed_shares(response, key) -> dict[str, str]:
    """A measure's table: label -> share of the assessed commitments as shown ("–" for not assessed)."""
    return {cells[0]: cells[2] for cells in table_rows(response, key)}


def chart(response, key) -> str:
    html = response.content.decode()
    return re.search(rf'<section aria-labelledby="{key}-heading".*?(<svg.*?</svg>)', html, re.S).group(1)


def test_action_plan_report_numbers(testland, client):
    response = client.get("/members/testland/plans/AP_TST01/report/")
    assert response.status_code == 200
    figures = table(response, "key-figures")
    assert figures["Commitments"] == (4, "100.0")
    assert figures["Starred commitments"] == (1, "25.0")
    assert figures["High completion at mid-term (substantial or complete)"] == (1, "25.0")
    assert figures["High completion at end of term (substantial or complete)"] == (2, "50.0")
    assert figures["Opened government strongly (major or outstanding)"] == (1, "25.0")
    mid = table(response, "mid-term-completion")
    assert mid["Limited"] == mid["Substantial"] == mid["Not Started"] == mid["Not assessed"] == (1, "25.0")
    assert mid["Complete"] == (0, "0.0")
    end = table(response, "end-of-term-completion")
    assert (end["Complete"], end["Substantial"], end["Limited"]) == ((1, "25.0"), (1, "25.0"), (1, "25.0"))
    change = table(response, "change-in-completion")
    assert change["Increase"] == (2, "50.0") and change["No Change"] == (1, "25.0")
    overall = table(response, "did-it-open-government")
    assert overall["Major"] == overall["Marginal"] == overall["Did Not Change"] == (1, "25.0")
    access = table(response, "open-government-access-to-information")
    assert access["Major"] == access["Marginal"] == (1, "25.0")
    assert access["No data"] == (1, "25.0")  # assessed, but the IRM gave no per-value reading
    assert table(response, "open-government-civic-participation")["Did Not Change"] == (1, "25.0")
    accountability = table(response, "open-government-public-accountability")
    assert accountability["Not Applicable"] == (1, "25.0")
    impact = table(response, "potential-impact")
    assert impact["Transformative"] == impact["Moderate"] == impact["Minor"] == (1, "25.0")
    assert impact["None"] == (0, "0.0")
    # The plan predates the 2020 model: no potential-for-results section.
    assert 'id="table-potential-for-results"' not in response.content.decode()


def test_member_report_numbers_cover_every_plan(testland, client):
    response = client.get("/members/testland/report/")
    assert response.status_code == 200
    figures = table(response, "key-figures")
    assert figures["Commitments"] == (6, "100.0")
    assert figures["Starred commitments"] == (1, "16.7")
    assert figures["High completion at end of term (substantial or complete)"] == (3, "50.0")
    assert figures["Opened government strongly (major or outstanding)"] == (2, "33.3")
    end = table(response, "end-of-term-completion")
    assert end["Complete"] == (2, "33.3")
    assert end["Withdrawn"] == (1, "16.7")
    assert end["Not assessed"] == (1, "16.7")
    overall = table(response, "did-it-open-government")
    assert overall["Outstanding"] == (1, "16.7") and overall["Not reviewed"] == (1, "16.7")
    results = table(response, "potential-for-results")
    assert results["Substantial"] == results["Modest"] == (1, "16.7")
    assert table(response, "potential-impact")["Transformative"] == (1, "16.7")
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    assert "Testland Action Plan 2021-2023 (AP_TST02); Testland Action Plan 2014-2016 (AP_TST01)" in text


def test_member_report_compares_its_plans(testland, client):
    response = client.get("/members/testland/report/")
    rows = [(title, [int(n) for n in numbers]) for title, *numbers in table_rows(response, "by-plan")]
    # Commitments, starred, high completion at mid-term and at end of term, strong results.
    assert rows == [("Testland Action Plan 2021-2023", [2, 0, 0, 1, 1]),
                    ("Testland Action Plan 2014-2016", [4, 1, 1, 2, 1])]
    workbook = load_workbook(BytesIO(client.get("/members/testland/report.xlsx").content), read_only=True)
    last = workbook.worksheets[-1]
    assert last.title == "By action plan"
    assert [list(row) for row in last.iter_rows(min_row=3, values_only=True)] == [
        [title, *numbers] for title, numbers in rows]
    # A plan's own report has no comparison.
    assert 'id="table-by-plan"' not in client.get("/members/testland/plans/AP_TST01/report/").content.decode()


def test_each_chart_is_an_accessible_image_with_the_tables_numbers(testland, client):
    response = client.get("/members/testland/plans/AP_TST01/report/")
    svg = chart(response, "end-of-term-completion")
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-end-of-term-completion-title chart-end-of-term-completion-desc"' in svg
    assert '<title id="chart-end-of-term-completion-title">Completion at end of term</title>' in svg
    counts = table(response, "end-of-term-completion")
    shares = assessed_shares(response, "end-of-term-completion")
    for label, share in shares.items():
        if label == "Not assessed":
            continue
        count = counts[label][0]
        assert f">{label}</text>" in svg
        assert f">{count} ({share})</text>" in svg
        assert f"{label}: {count} ({share})" in unescape(svg)
    # A bar's length is its share of the assessed commitments on the 330-unit axis.
    assert 'width="220.1"' in chart(response, "change-in-completion")  # increase: 2 of 3 assessed


def test_charts_show_the_assessed_apart_from_the_not_assessed(testland, client):
    response = client.get("/members/testland/plans/AP_TST01/report/")
    html = response.content.decode()
    # Three of the plan's four commitments have a mid-term report: the shares are of those three.
    assert assessed_shares(response, "mid-term-completion") == {
        "Withdrawn": "0.0%", "Unclear": "0.0%", "Not Started": "33.3%", "Limited": "33.3%",
        "Substantial": "33.3%", "Complete": "0.0%", "Not assessed": "– not counted"}
    assert table(response, "mid-term-completion")["Limited"] == (1, "25.0")
    svg = chart(response, "mid-term-completion")
    assert ">1 (33.3%)</text>" in svg and 'width="109.9"' in svg
    # "Not assessed" is no bar: it is counted beside the chart, and in its description.
    assert ">Not assessed</text>" not in svg
    assert "Of the 3 commitments assessed: Withdrawn: 0 (0.0%);" in unescape(svg)
    assert "1 commitment not assessed." in unescape(svg)
    note = re.search(r'<p class="chart-note" id="chart-mid-term-completion-note">(.*?)</p>', html,
                     re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", " ", note).split()) == (
        "Shares of the 3 commitments the IRM assessed. Not assessed: 1 commitment, not in the chart.")
    # The IRM's own codes are assessments: a grey bar each, shares of the assessed.
    access = chart(response, "open-government-access-to-information")
    assert '<rect class="chart-bar chart-bar-missing"' in access and ">1 (33.3%)</text>" in access


def test_a_measure_no_report_covered_gets_a_note_instead_of_a_chart(client):
    member = MemberFactory(name="Newplan", slug="newplan")
    plan = ActionPlanFactory(member=member, ogp_id="AP_NEW01", submission_year=2022, end_year=2024)
    CommitmentFactory.create_batch(2, action_plan=plan)
    response = client.get("/members/newplan/plans/AP_NEW01/report/")
    html = response.content.decode()
    assert '<svg class="chart"' not in html
    assert html.count("No report of this stage assessed these 2 commitments yet: no chart.") == 8
    assert table(response, "end-of-term-completion")["Not assessed"] == (2, "100.0")


def test_headings_are_not_repeated_as_captions(testland, client):
    html = client.get("/members/testland/report/").content.decode()
    assert "<caption" not in html
    # Each table is named by its section's heading instead, as is the box it scrolls in.
    for key in ("key-figures", "by-plan", "end-of-term-completion", "potential-for-results"):
        assert f'id="table-{key}" aria-labelledby="{key}-heading"' in html
    # The boxes the tables scroll in are regions of their own name, apart from their section's.
    for title in ("Key figures", "By action plan", "Completion at end of term", "Potential for results"):
        assert f'<div class="table-scroll" role="region" aria-label="{title}, table" tabindex="0">' in html


def test_report_page_is_printable_and_plain(testland, client):
    response = client.get("/members/testland/report/")
    html = response.content.decode()
    assert re.search(r'<link rel="stylesheet" href="/static/css/print.css" media="print">', html)
    assert html.count("<h1") == 1
    assert "<script" not in html and " style=" not in html
    # Every chart has its table; key figures and the figures by plan are tables only.
    assert html.count('<table class="report-table"') == html.count('<svg class="chart"') + 2 == 11
    assert 'href="/members/testland/report.xlsx"' in html


def test_member_and_plan_pages_link_to_their_reports(testland, client):
    assert 'href="/members/testland/report/"' in client.get("/members/testland/").content.decode()
    plan_page = client.get("/members/testland/plans/AP_TST01/").content.decode()
    assert 'href="/members/testland/plans/AP_TST01/report/"' in plan_page


def sheet_rows(workbook, index):
    return [tuple(cell for cell in row) for row in workbook.worksheets[index].iter_rows(values_only=True)]


def test_xlsx_holds_the_same_tables(testland, client):
    page = client.get("/members/testland/plans/AP_TST01/report/")
    response = client.get("/members/testland/plans/AP_TST01/report.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="testland-ap_tst01-irm-report.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    key_figures = sheet_rows(workbook, 0)
    assert key_figures[0][0] == "IRM report: Testland Action Plan 2014-2016"
    assert {row[0]: (row[1], f"{row[2]:.1f}") for row in key_figures[2:]} == table(page, "key-figures")
    end_sheet = workbook.worksheets[2]
    assert end_sheet.title == "2 Completion at end of term"
    rows = sheet_rows(workbook, 2)
    assert rows[0][0] == "Completion at end of term"
    assert rows[1] == ("Level", "Commitments", "Share of commitments (%)")
    assert {row[0]: (row[1], f"{row[2]:.1f}") for row in rows[2:]} == table(page, "end-of-term-completion")
    assert len(workbook.worksheets) == 1 + page.content.decode().count('<svg class="chart"')


def test_member_xlsx(testland, client):
    response = client.get("/members/testland/report.xlsx")
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    figures = {row[0]: row[1] for row in sheet_rows(workbook, 0)[2:]}
    assert figures["Commitments"] == 6
    assert figures["High completion at end of term (substantial or complete)"] == 3
    assert "potential for results" in " ".join(sheet.title.lower() for sheet in workbook.worksheets)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)"])
def test_cells_a_spreadsheet_would_run_are_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("Limited") == "Limited" and neutralise(3) == 3


def test_xlsx_keeps_a_formula_like_title_as_text(client):
    plan = ActionPlanFactory(title='=HYPERLINK("http://evil.example")', ogp_id="AP_EVIL1")
    response = client.get(f"/members/{plan.member.slug}/plans/AP_EVIL1/report.xlsx")
    title = load_workbook(BytesIO(response.content)).worksheets[0]["A1"]
    assert title.data_type == "s"
    assert title.value == 'IRM report: =HYPERLINK("http://evil.example")'


@pytest.mark.parametrize("title", ["=1+1", "\t=1+1", "\r=1+1", "-2", "@SUM(A1)"])
def test_member_xlsx_neutralises_plan_titles_as_the_exports_do(client, title):
    """The by-plan sheet starts each row with a plan's title: the same rule as the CSV and XLSX exports."""
    plan = ActionPlanFactory(title=title)
    response = client.get(f"/members/{plan.member.slug}/report.xlsx")
    workbook = load_workbook(BytesIO(response.content))
    by_plan = workbook.worksheets[-1]
    assert by_plan["A3"].value == "'" + title.replace("\r", "\n")  # XML reads a CR as a line feed
    assert by_plan["A3"].data_type == "s"


@pytest.mark.parametrize("path", [
    "/members/nowhere/report/", "/members/nowhere/report.xlsx",
    "/members/testland/plans/AP_NOPE/report/", "/members/testland/plans/AP_NOPE/report.xlsx",
])
def test_unknown_member_or_plan_report_is_404(testland, client, path):
    assert client.get(path).status_code == 404


def test_plan_report_under_another_member_is_404(testland, client):
    MemberFactory(name="Otherland", slug="otherland")
    assert client.get("/members/otherland/plans/AP_TST01/report/").status_code == 404


def grow(member, plans, commitments_per_plan):
    for _ in range(plans):
        plan = ActionPlanFactory(member=member)
        commitments = CommitmentFactory.create_batch(commitments_per_plan, action_plan=plan)
        assess(plan, IRMReport.Kind.END_OF_TERM, 2019, {c: {"completion": "complete"} for c in commitments})


@pytest.mark.parametrize("suffix", ["report/", "report.xlsx"])
def test_report_query_count_does_not_grow(client, django_assert_max_num_queries, suffix):
    member = MemberFactory(name="Growland", slug="growland")
    grow(member, 1, 2)
    # The member, the one GROUP BY query, and the plans' titles (page only); the workbook reads the
    # data's version first, for its ETag and Last-Modified (ogptracker/http_caching.py).
    most = 4 if suffix.endswith(".xlsx") else 3
    with django_assert_max_num_queries(most) as small:
        client.get(f"/members/growland/{suffix}")
    grow(member, 5, 20)
    with django_assert_max_num_queries(most) as large:
        response = client.get(f"/members/growland/{suffix}")
    assert response.status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_report_in_spanish(testland, client):
    response = client.get("/members/testland/plans/AP_TST01/report/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert ">Sustancial</th>" in html
    # Numbers are written the Spanish way, in the table and in its chart alike.
    assert '<td class="number">25,0%</td>' in html
    assert ">1 (33,3%)</text>" in html  # of the three assessed


def test_member_without_plans_gets_an_empty_report(client):
    MemberFactory(name="Newland", slug="newland")
    response = client.get("/members/newland/report/")
    assert response.status_code == 200
    assert table(response, "key-figures")["Commitments"] == (0, "0.0")
    assert table(response, "end-of-term-completion")["Complete"] == (0, "0.0")
    workbook = load_workbook(BytesIO(client.get("/members/newland/report.xlsx").content), read_only=True)
    assert sheet_rows(workbook, 0)[2][:2] == ("Commitments", 0)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_report_sheet_is_made_for_people_with_numbers_as_numbers(testland, client, language):
    response = client.get("/members/testland/report.xlsx", HTTP_ACCEPT_LANGUAGE=language)
    workbook = load_workbook(BytesIO(response.content))

    assert len(workbook.worksheets) > 2
    for sheet in workbook.worksheets:
        # The sheet's full title above, bold too; the header below it is frozen and filtered.
        assert sheet["A1"].font.b
        assert_made_for_people(sheet, header_row=2)
        rows = list(sheet.iter_rows(min_row=3, values_only=True))
        assert rows, sheet.title
        for row in rows:
            assert all(type(value) in (int, float) for value in row[1:]), (sheet.title, row)
    by_plan = workbook.worksheets[-1]
    assert [type(value) for value in next(by_plan.iter_rows(min_row=3, values_only=True))[1:]] == [int] * 5
