"""?as_of=DAY: the whole commitment page as it stood at the end of that day, from the history tables."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from commitments import services
from commitments.models import Commitment
from commitments.ogp.writing import import_ogp
from reviews.models import IRMReport
from reviews.scales import Completion
from tests.commitments.factories import MilestoneFactory
from tests.commitments.test_history import PAGE, cl0050, on, staff_edit
from tests.commitments.test_pages import HEADS_WITH_LEGEND_LINKS, build_commitment, section_text, text_of
from tests.html_forms import form_data
from tests.reviews.factories import AssessmentFactory, IRMReportFactory

pytestmark = pytest.mark.django_db

# The completion table's last head, with its link to the missing values' legend.
CHANGE_HEAD = "Change in completion ? What a missing rating means"


def as_of_section(response) -> str:
    match = re.search(r'<section class="as-of".*?</section>', response.content.decode(), flags=re.S)
    return match.group(0) if match else ""


def milestone_statuses(response) -> list[str]:
    return re.findall(r'<span class="milestone-status">Status: <span class="rating[^"]*"[^>]*>([^<]+)<',
                      response.content.decode())


def timeline_notes(response) -> list[str]:
    return re.findall(r'<p class="timeline-note">Note: ([^<]+)</p>', response.content.decode())


def reviewer_sets_end_of_term_completion(reviewer, completion):
    """The IRM's end-of-term assessment of CL0050 changed in the admin, as a reviewer does."""
    assessment = cl0050().assessments.get(report__kind="end-of-term")
    client = Client()
    client.force_login(reviewer)
    url = f"/admin/reviews/assessment/{assessment.pk}/change/"
    data = form_data(client.get(url).content.decode(), "assessment_form")
    data["completion"] = completion
    assert client.post(url, data).status_code == 302


# A milestone made complete with a date met within its plan's years (2016-2018): asked for, never
# today (services.with_completion).
COMPLETE_IN_THE_PLAN = {"status": Completion.COMPLETE, "completed_on": datetime.date(2018, 6, 29)}


@pytest.fixture
def edited_over_time(chile_staff, reviewer):
    """CL0050 recorded on 2024-01-01; reopened on 2025-03-10; milestone 5 complete on 2025-06-01;
    the IRM's end of term changed to Complete on 2025-09-01; a results report recorded on 2025-10-01."""
    Commitment.objects.filter(identifier="CL0050").update(
        created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    with on("2025-03-10"):
        staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note="Reopened")
    with on("2025-06-01"):
        staff_edit(chile_staff, milestone_order=5, milestone_status=Completion.COMPLETE,
                   milestone_note="Done")
    with on("2025-09-01"):
        reviewer_sets_end_of_term_completion(reviewer, Completion.COMPLETE)
    with on("2025-10-01"):
        commitment = cl0050()
        results = IRMReportFactory(action_plan=commitment.action_plan, kind=IRMReport.Kind.RESULTS,
                                   publication_year=2020, title="Chile Results Report 2016-2018")
        AssessmentFactory(commitment=commitment, report=results, completion=Completion.LIMITED,
                          early_results="significant")


@pytest.mark.parametrize(("day", "status", "milestone_5", "notes"), [
    ("2024-06-30", "Inactive", "Substantial", []),
    ("2025-03-10", "Active", "Substantial", ["Reopened"]),
    ("2025-05-31", "Active", "Substantial", ["Reopened"]),
    ("2025-06-01", "Active", "Complete", ["Done", "Reopened"]),
])
def test_status_milestones_and_timeline_are_those_of_the_day(client, edited_over_time, day, status,
                                                              milestone_5, notes):
    response = client.get(PAGE, {"as_of": day})
    assert response.status_code == 200
    assert f"Status {status}" in section_text(response, "glance-heading")
    statuses = milestone_statuses(response)
    assert len(statuses) == 5 and statuses[4] == milestone_5
    assert timeline_notes(response) == notes


def test_today_the_page_shows_every_change(client, edited_over_time):
    response = client.get(PAGE)
    assert "Status Active" in section_text(response, "glance-heading")
    assert milestone_statuses(response)[4] == "Complete"
    assert "Done" in timeline_notes(response) and "Reopened" in timeline_notes(response)
    assert as_of_section(response) == ""


@pytest.mark.parametrize(("day", "reported"), [
    ("2025-05-31", "Limited (2 of 5 milestones complete, 40%)"),
    ("2025-06-01", "Substantial (3 of 5 milestones complete, 60%)"),
])
def test_reported_progress_is_computed_from_the_days_milestones(client, edited_over_time, day, reported):
    progress = client.get(PAGE, {"as_of": day}).content.decode()
    cells = re.search(r'<table class="progress-table">.*?</table>', progress, flags=re.S).group(0)
    assert reported in " ".join(re.sub(r"<[^>]+>", " ", cells).split())


@pytest.mark.parametrize(("day", "end_of_term"), [("2025-08-31", "Substantial"), ("2025-09-01", "Complete")])
def test_the_irm_assessments_are_those_recorded_by_then(client, edited_over_time, day, end_of_term):
    response = client.get(PAGE, {"as_of": day})
    implementation = section_text(response, "implementation-heading")
    assert f"{HEADS_WITH_LEGEND_LINKS} Limited {end_of_term}" in implementation
    # The IRM column of the progress table reads the day's ratings, not the ones stored today.
    assert f"60%) Limited {end_of_term}" in implementation
    glance = section_text(response, "glance-heading")
    assert "Chile Results Report 2016-2018" not in glance
    assert "Early results Major" in glance  # the end-of-term report's reading, before the results report


def test_an_assessment_recorded_later_appears_from_its_day_on(client, edited_over_time):
    before = client.get(PAGE, {"as_of": "2025-09-30"})
    after = client.get(PAGE, {"as_of": "2025-10-01"})
    assert "Chile Results Report 2016-2018" not in text_of(before)
    glance = section_text(after, "glance-heading")
    assert "Chile Results Report 2016-2018" in glance
    assert "Early results Significant" in glance
    # The results report (2020) is now the latest of the end of term: its completion is the day's.
    assert f"{CHANGE_HEAD} Limited Limited" in section_text(after, "implementation-heading")


def test_the_banner_names_the_day_and_links_to_todays_page(client, edited_over_time):
    response = client.get(PAGE, {"as_of": "2025-03-10"})
    banner = as_of_section(response)
    assert "As it stood on March 10, 2025" in banner
    assert f'<a class="as-of-today" href="{PAGE}">Show the commitment as it is now</a>' in banner
    assert "shown as they are today" in banner


def test_the_banner_and_messages_are_in_spanish(client, edited_over_time):
    response = client.get(PAGE, {"as_of": "2025-03-10"}, HTTP_ACCEPT_LANGUAGE="es")
    banner = as_of_section(response)
    assert "Tal como estaba el 10 de marzo de 2025" in banner
    assert "se muestran como son hoy" in banner
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    refused = client.get(PAGE, {"as_of": tomorrow.isoformat()}, HTTP_ACCEPT_LANGUAGE="es")
    assert "es posterior a hoy" in refused.content.decode()


def test_a_day_before_the_first_record_says_so_and_shows_no_state(client, edited_over_time):
    response = client.get(PAGE, {"as_of": "2023-12-31"})
    assert response.status_code == 200
    assert "This commitment was not yet recorded on Dec. 31, 2023." in as_of_section(response)
    body = response.content.decode()
    assert 'id="glance-heading"' not in body and 'id="milestones-heading"' not in body
    assert 'class="milestone-status"' not in body and 'class="timeline' not in body
    assert f'href="{PAGE}">Show the commitment as it is now' in body


def test_the_first_day_of_the_calendar_is_before_any_record(client, edited_over_time):
    response = client.get(PAGE, {"as_of": "0001-01-01"})
    assert response.status_code == 200
    assert "not yet recorded" in as_of_section(response)


@pytest.mark.parametrize("days_ahead", [1, 400])
def test_a_day_after_today_is_refused_with_todays_page(client, edited_over_time, days_ahead):
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    response = client.get(PAGE, {"as_of": day.isoformat()})
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(r'<p class="message error" role="alert">[^<]+ is after today: choose a day up to ', body)
    assert "Status Active" in section_text(response, "glance-heading")  # today's page, no banner
    assert as_of_section(response) == ""


def test_the_last_day_of_the_calendar_is_refused_not_a_500(client, edited_over_time):
    assert client.get(PAGE, {"as_of": "9999-12-31"}).status_code == 400


def test_today_is_the_page_as_it_is(client, edited_over_time):
    response = client.get(PAGE, {"as_of": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert "Status Active" in section_text(response, "glance-heading")
    assert "Chile Results Report 2016-2018" in section_text(response, "glance-heading")
    assert timeline_notes(response) == timeline_notes(client.get(PAGE))


def test_a_commitment_never_edited_shows_it_as_it_is(client, chile):
    response = client.get(PAGE, {"as_of": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert "Status Inactive" in section_text(response, "glance-heading")
    assert len(milestone_statuses(response)) == 5
    assert f"{CHANGE_HEAD} Limited Substantial" in section_text(response, "implementation-heading")


def test_a_milestone_added_later_is_not_on_the_earlier_day(client, superuser):
    with on("2025-01-01"):
        commitment = build_commitment(1)
        services.ensure_history_baseline(commitment)
    with on("2025-02-01"):
        MilestoneFactory(commitment=commitment, text="Added in February", order=9)
    january = client.get(commitment.get_absolute_url(), {"as_of": "2025-01-31"})
    february = client.get(commitment.get_absolute_url(), {"as_of": "2025-02-01"})
    assert "Added in February" not in section_text(january, "milestones-heading")
    assert "Added in February" in section_text(february, "milestones-heading")


@pytest.mark.parametrize("value", ["2024-13-01", "2024-02-30", "yesterday", "2024-1-1", "20240101",
                                   "9999-99-99", "2024-01-01T00:00", "x" * 500])
def test_a_malformed_as_of_is_a_clear_message_not_a_500(client, chile, value):
    response = client.get(PAGE, {"as_of": value})
    assert response.status_code == 400
    body = response.content.decode()
    assert "is not a date: write it as YYYY-MM-DD" in body
    assert "CL0050" in body  # still the commitment's page


def test_as_of_query_count_does_not_grow_with_the_history(client, superuser, django_assert_max_num_queries):
    def edited(size, times):
        with on("2025-01-01"):
            commitment = build_commitment(size)
        for n in range(times):
            with on(f"2025-02-{n + 1:02d}"):
                commitment.refresh_from_db()
                services.commitment_update(
                    commitment=commitment, user=superuser, expected_version=commitment.version,
                    data={"status": "inactive" if n % 2 == 0 else "active"}, note=f"Change {n}",
                    milestones=[services.MilestoneChange(m, dict(COMPLETE_IN_THE_PLAN), f"M {n}")
                                for m in commitment.milestones.all()])
        return commitment

    small, large = edited(1, 1), edited(25, 12)
    # The page's fourteen, and three for the day's state: the commitment's record, its milestones'
    # and its assessments' histories.
    with django_assert_max_num_queries(17) as small_queries:
        assert client.get(small.get_absolute_url(), {"as_of": "2025-02-05"}).status_code == 200
    with django_assert_max_num_queries(17) as large_queries:
        response = client.get(large.get_absolute_url(), {"as_of": "2025-02-05"})
    assert response.status_code == 200
    assert len(small_queries.captured_queries) == len(large_queries.captured_queries)
    notes = timeline_notes(response)
    # The changes of 1 to 5 February only; each milestone changed once (on the first).
    assert [note for note in notes if note.startswith("Change")] == [f"Change {n}" for n in range(4, -1, -1)]
    assert notes.count("M 0") == 25



def test_as_of_query_count_of_a_commitment_without_history(client, chile, django_assert_max_num_queries):
    # Loaded without history (loaddata): one more query finds it has none.
    with django_assert_max_num_queries(17):
        response = client.get(PAGE, {"as_of": timezone.localdate().isoformat()})
    assert "Status Inactive" in section_text(response, "glance-heading")

# --- Seeded and imported rows: their first record is dated when they were loaded -------------------


def test_the_seed_loaded_by_setup_local_is_exact_from_the_day_it_was_loaded(client, db):
    with on("2025-01-15"):
        call_command("setup_local", verbosity=0, stdout=open("/dev/null", "w"))
    user = get_user_model().objects.create_user("chile-staff", "ana@example.org", "a-long-test-password-41")
    call_command("grant_member", "chile-staff", "chile", verbosity=0)
    with on("2025-02-01"):
        staff_edit(user, status=Commitment.Status.ACTIVE, note="Reopened")
    assert "not yet recorded" in as_of_section(client.get(PAGE, {"as_of": "2025-01-14"}))
    loaded_day = client.get(PAGE, {"as_of": "2025-01-15"})
    assert "Status Inactive" in section_text(loaded_day, "glance-heading")
    assert len(milestone_statuses(loaded_day)) == 5
    assert f"{CHANGE_HEAD} Limited Substantial" in section_text(loaded_day, "implementation-heading")
    assert "Status Active" in section_text(client.get(PAGE, {"as_of": "2025-02-01"}), "glance-heading")


def test_imported_rows_are_exact_from_the_day_of_the_import(client, db, tmp_path):
    with on("2025-01-15"):
        result = import_ogp("tests/data/ogp-commitments-open-parliament-sample.csv")
    assert not result.errors
    commitment = Commitment.objects.order_by("identifier").first()
    url = commitment.get_absolute_url()
    assert "not yet recorded" in as_of_section(client.get(url, {"as_of": "2025-01-14"}))
    shown = client.get(url, {"as_of": "2025-01-15"})
    assert shown.status_code == 200
    assert f"Status {commitment.get_status_display()}" in section_text(shown, "glance-heading")


def test_a_milestones_dates_are_those_of_the_day(client, chile_staff):
    """A milestone's end date moved on the staff page shows from that day on, not before."""
    Commitment.objects.filter(identifier="CL0050").update(
        created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    milestone = cl0050().milestones.get(order=1)
    before = datetime.date(2024, 6, 30)
    type(milestone).objects.filter(pk=milestone.pk).update(end_date=before)  # as loaded, before any edit
    editor = Client()
    editor.force_login(chile_staff)
    with on("2025-03-10"):
        data = form_data(editor.get(f"{PAGE}edit/").content.decode(), "commitment-edit-form")
        data.update({f"milestone-{milestone.pk}-end_date": "2031-12-31",
                     f"milestone-{milestone.pk}-note": "Rescheduled"})
        assert editor.post(f"{PAGE}edit/", data).status_code == 302
    earlier = client.get(PAGE, {"as_of": "2025-03-09"}).content.decode()
    that_day = client.get(PAGE, {"as_of": "2025-03-10"}).content.decode()
    # Milestone dates are written as the page's DATE_FORMAT ("Dec. 31, 2031" in English).
    assert "2031" not in earlier and "Dec. 31, 2031" in that_day
    assert date_format(before) in earlier  # (the day's timeline says "moved from" it)
