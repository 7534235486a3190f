"""The public change history: the timeline, its authors, the admin's history (?as_of=: test_as_of.py)."""

import datetime
import re
from contextlib import contextmanager
from unittest import mock

from django.test import Client

from commitments import services
from commitments.models import Commitment, Institution
from reviews.scales import Completion
from tests.commitments.factories import CommitmentFactory, MilestoneFactory
from tests.html_forms import form_data

PAGE = "/commitments/CL0050/"


def cl0050():
    return Commitment.objects.get(identifier="CL0050")


@contextmanager
def on(day: str):
    """Make what is saved inside carry this day's date, as if it were saved then."""
    moment = datetime.datetime.fromisoformat(f"{day}T12:00:00+00:00")
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def staff_edit(user, *, status=None, note="", milestone_order=None, milestone_status=None,
               milestone_note=""):
    """Save through the staff page, as the user would."""
    client = Client()
    client.force_login(user)
    data = form_data(client.get(f"{PAGE}edit/").content.decode(), "commitment-edit-form")
    if status:
        data.update(status=status, note=note)
    if milestone_order:
        pk = cl0050().milestones.get(order=milestone_order).pk
        data.update({f"milestone-{pk}-status": milestone_status, f"milestone-{pk}-note": milestone_note})
    response = client.post(f"{PAGE}edit/", data)
    assert response.status_code == 302, response.content.decode()[:500]


def history_section(response) -> str:
    html = response.content.decode()
    return re.search(r'<section class="history".*?</section>', html, flags=re.S).group(0)


def test_timeline_shows_status_changes_with_their_notes(client, chile_staff):
    staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note="Reopened for the fourth plan",
               milestone_order=5, milestone_status=Completion.COMPLETE, milestone_note="Plan published")
    section = history_section(client.get(PAGE))
    assert "Reopened for the fourth plan" in section and "Plan published" in section
    assert "<del>Inactive</del> → <ins>Active</ins>" in section
    assert "Milestone 5" in section and "<del>Substantial</del> → <ins>Complete</ins>" in section


def test_timeline_never_shows_usernames_or_email_addresses(client, chile_staff):
    staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note="Reopened")
    body = client.get(PAGE).content.decode()
    assert "chile-staff" not in body and "ana@example.org" not in body
    assert '<span class="timeline-author">Secretariat</span>' in history_section(client.get(PAGE))


def test_author_is_the_institution_of_the_staff_membership(client, chile_staff):
    institution = Institution.objects.create(name="Ministerio Secretaría General de la Presidencia (staff)")
    services.staff_membership_grant(user=chile_staff, member=cl0050().action_plan.member,
                                    institution=institution)
    staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note="Reopened")
    section = history_section(client.get(PAGE))
    assert f'<span class="timeline-author">{institution.name}</span>' in section


def test_an_assessment_changed_in_the_admin_is_in_the_timeline_as_the_irm(client, chile, reviewer):
    assessment = cl0050().assessments.get(report__kind="end-of-term")
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    url = f"/admin/reviews/assessment/{assessment.pk}/change/"
    data = form_data(reviewer_client.get(url).content.decode(), "assessment_form")
    data["completion"] = Completion.COMPLETE
    assert reviewer_client.post(url, data).status_code == 302
    section = history_section(client.get(PAGE))
    assert "Independent Reporting Mechanism" in section
    assert "<del>Substantial</del> → <ins>Complete</ins>" in section
    assert "reviewer" not in section


def test_admin_edits_are_in_the_timeline_and_the_admins_history(chile_staff, superuser):
    staff = Client()
    staff.force_login(chile_staff)
    url = f"/admin/commitments/commitment/{cl0050().pk}/change/"
    data = form_data(staff.get(url).content.decode(), "commitment_form")
    data.update({"milestones-1-status": Completion.LIMITED, "change_note": "Formalisation stalled"})
    assert staff.post(url, data).status_code == 302
    section = history_section(Client().get(PAGE))
    assert "Formalisation stalled" in section and "Milestone 2" in section
    admin_history = staff.get(url.replace("/change/", "/history/"))
    assert admin_history.status_code == 200
    assert "Formalisation stalled" in admin_history.content.decode()


def test_history_query_count_does_not_grow_with_changes(client, superuser, django_assert_max_num_queries):
    commitment = CommitmentFactory(identifier="TS0001")
    milestones = MilestoneFactory.create_batch(3, commitment=commitment)

    def change(times):
        for n in range(times):
            commitment.refresh_from_db()
            services.commitment_update(
                commitment=commitment, user=superuser, expected_version=commitment.version,
                data={"status": "inactive" if n % 2 == 0 else "active"}, note=f"Change {n}",
                milestones=[services.MilestoneChange(m, {"status": Completion.LIMITED if n % 2 else
                                                         Completion.COMPLETE}, f"M {n}") for m in milestones])

    change(2)
    with django_assert_max_num_queries(30) as few:
        client.get("/commitments/TS0001/")
    change(20)
    with django_assert_max_num_queries(30) as many:
        response = client.get("/commitments/TS0001/")
    assert response.content.decode().count('class="timeline-note"') == 22 * 4
    assert len(many.captured_queries) == len(few.captured_queries)

