"""The IRM reviewer's day: the dashboard's plans awaiting a report, the report added in the admin, an
assessment added to it, and the list and the member's report showing the new finding."""

import re

import pytest
from django.core.management import call_command

from reviews.models import Assessment, IRMReport
from reviews.scales import Completion
from tests.commitments.dashboard_data import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLE = "reviewer"


def pick(page, field, search, choice):
    """Choose in an admin autocomplete field (select2) as a person does: open it, type, click."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=choice).first.click()


def test_a_reviewers_day(journey, monkeypatch):
    # `manage.py grant_reviewer irm --create`, its password read from the environment (README).
    monkeypatch.setenv("OGPTRACKER_PASSWORD", PASSWORD)
    call_command("grant_reviewer", "irm", "--create", verbosity=0)
    t = journey.t
    page = journey.new_page()
    page.goto(f"{journey.site}/members/chile/report/")
    plan_row = page.locator("#table-by-plan tbody tr", has_text="2018-2020")
    before = plan_row.inner_text()

    journey.sign_in(page, "irm")
    journey.step(page, "1-dashboard")
    awaiting = page.locator("li", has_text="Chile Action Plan 2018-2020")
    awaiting.get_by_role("link", name=t("Add the report")).click()
    page.wait_for_url("**/admin/reviews/irmreport/add/?action_plan=*")
    journey.step(page, "2-report-add")
    page.locator("#id_title").fill("Chile End-of-Term Report 2018-2020")
    page.locator("#id_kind").select_option(IRMReport.Kind.END_OF_TERM)
    page.locator("#id_publication_year").fill("2021")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/reviews/irmreport/")
    journey.step(page, "3-report-saved")
    report = IRMReport.objects.get(title="Chile End-of-Term Report 2018-2020")
    assert report.action_plan.ogp_id == "AP_CHL04"

    # Back on the dashboard the report waits for its assessments.
    page.goto(f"{journey.site}/staff/")
    page.locator("li", has_text=report.title).get_by_role("link", name=t("Add an assessment")).click()
    page.wait_for_url("**/admin/reviews/assessment/add/?report=*")
    pick(page, "commitment", "CL0051", "CL0051")
    page.locator("#id_completion").select_option(Completion.COMPLETE)
    journey.step(page, "4-assessment-add")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/reviews/assessment/")
    journey.step(page, "5-assessment-saved")
    assert Assessment.objects.get(report=report).commitment.identifier == "CL0051"

    # The list finds CL0051 by its end-of-term completion; the member's report counts it.
    page.goto(f"{journey.site}/commitments/?action_plan=AP_CHL04&completion=complete")
    journey.step(page, "6-list")
    assert page.get_by_role("link", name=re.compile("^Creation of a National Plan")).count()
    page.goto(f"{journey.site}/members/chile/report/")
    journey.step(page, "7-member-report")
    assert plan_row.inner_text() != before
