"""The public change history: the timeline, its authors, the admin's history (?as_of=: test_as_of.py)."""

import datetime
import importlib
import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.test import Client

from commitments import services
from commitments.models import Commitment, Institution, PolicyArea, StaffMembership
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


MET_ON = "2018-06-29"
MET_DAY = datetime.date(2018, 6, 29)


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
        if milestone_status == Completion.COMPLETE:
            # CL0050's plan ended in 2018: the date met is asked for (services.with_completion).
            data[f"milestone-{pk}-completed_on"] = MET_ON
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
                milestones=[services.MilestoneChange(m, {"status": Completion.LIMITED} if n % 2 else
                                                     {"status": Completion.COMPLETE, "completed_on": MET_DAY},
                                                     f"M {n}") for m in milestones])

    change(2)
    with django_assert_max_num_queries(30) as few:
        client.get("/commitments/TS0001/")
    change(20)
    with django_assert_max_num_queries(30) as many:
        response = client.get("/commitments/TS0001/")
    assert response.content.decode().count('class="timeline-note"') == 22 * 4
    assert len(many.captured_queries) == len(few.captured_queries)


# --- History tells the truth (issue 12) --------------------------------------------------------


def admin_edit(user, note, **changes):
    """Save CL0050's admin change form, as the user would, with these fields changed."""
    client = Client()
    client.force_login(user)
    url = f"/admin/commitments/commitment/{cl0050().pk}/change/"
    data = form_data(client.get(url).content.decode(), "commitment_form")
    data.update(change_note=note, **changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]


def test_author_stays_as_recorded_when_the_membership_is_revoked_or_changed(client, chile_staff, superuser):
    ministry = Institution.objects.create(name="Ministerio Secretaría General de la Presidencia (staff)")
    membership = services.staff_membership_grant(user=chile_staff, member=cl0050().action_plan.member,
                                                 institution=ministry)
    staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note="Reopened",
               milestone_order=5, milestone_status=Completion.COMPLETE, milestone_note="Plan published")
    admin = Client()
    admin.force_login(superuser)
    # Another institution first, then the role revoked, as the admin's pages do it.
    other = Institution.objects.create(name="Consejo para la Transparencia (staff)")
    services.staff_membership_grant(user=chile_staff, member=cl0050().action_plan.member, institution=other)
    response = admin.post(f"/admin/commitments/staffmembership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not StaffMembership.objects.filter(pk=membership.pk).exists()
    section = history_section(client.get(PAGE))
    assert section.count(f'<span class="timeline-author">{ministry.name}</span>') == 2
    assert other.name not in section and ">Secretariat<" not in section


def test_past_authors_are_filled_from_the_memberships_by_the_migration(chile_staff):
    ministry = Institution.objects.create(name="Ministerio (staff)")
    services.staff_membership_grant(user=chile_staff, member=cl0050().action_plan.member,
                                    institution=ministry)
    staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note="Reopened")
    Commitment.history.update(history_author="")  # as the rows were before the migration
    importlib.import_module("commitments.migrations.0009_history").record_authors(django_apps, None)
    authors = Commitment.history.filter(history_user=chile_staff).values_list("history_author", flat=True)
    assert authors and set(authors) == {ministry.name}


def test_links_to_institutions_and_policy_areas_are_in_the_timeline(client, chile_staff):
    commitment = cl0050()
    before = sorted(commitment.policy_areas.values_list("name", flat=True))
    water = PolicyArea.objects.create(name="Water and sanitation", slug="water-sanitation")
    council = Institution.objects.create(name="Consejo para la Transparencia")
    areas = [str(pk) for pk in commitment.policy_areas.values_list("pk", flat=True)] + [str(water.pk)]
    supporting = [str(pk) for pk in commitment.supporting_institutions.values_list("pk", flat=True)]
    admin_edit(chile_staff, "Water added", policy_areas=areas,
               supporting_institutions=[*supporting, str(council.pk)])
    section = history_section(client.get(PAGE))
    assert "Water added" in section
    after = ", ".join(sorted([*before, water.name]))
    assert f"<del>{', '.join(before) or '—'}</del> → <ins>{after}</ins>" in section
    assert "Supporting institutions" in section and council.name in section
    # Renamed, then unlinked and deleted: the history keeps the names it recorded.
    PolicyArea.objects.filter(pk=water.pk).update(name="Renamed")
    assert "Renamed" not in history_section(client.get(PAGE))
    admin_edit(chile_staff, "Water removed", policy_areas=areas[:-1], supporting_institutions=supporting)
    PolicyArea.objects.filter(pk=water.pk).delete()
    council.delete()
    section = history_section(client.get(PAGE))
    assert "Water removed" in section and section.count(water.name) == 2 and "Renamed" not in section
    feed = client.get("/commitments/CL0050/feed/")
    assert feed.status_code == 200 and water.name in "".join(ET.fromstring(feed.content).itertext())


def test_sources_have_history(client, chile_staff):
    source = cl0050().sources.order_by("footnote").first()
    client_ = Client()
    client_.force_login(chile_staff)
    url = f"/admin/commitments/commitment/{cl0050().pk}/change/"
    data = form_data(client_.get(url).content.decode(), "commitment_form")
    index = next(key.split("-")[1] for key, value in data.items()
                 if key.startswith("sources-") and key.endswith("-id") and value == str(source.pk))
    data.update({f"sources-{index}-text": "Corrected citation", "change_note": "Citation fixed"})
    assert client_.post(url, data).status_code == 302
    section = history_section(client.get(PAGE))
    assert f"Source [{source.footnote}]" in section and "<ins>Corrected citation</ins>" in section
    assert "Citation fixed" in section
    spanish = history_section(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="es"))
    assert f"Fuente [{source.footnote}]" in spanish


@pytest.mark.parametrize(("model", "make", "link"), [
    ("institution", lambda: Institution.objects.create(name="Consejo para la Transparencia"),
     "supporting_institutions"),
    ("policyarea", lambda: PolicyArea.objects.create(name="Water", slug="water"), "policy_areas"),
])
def test_deleting_an_institution_or_policy_area_still_linked_is_refused_in_the_admin(
        chile, superuser, model, make, link):
    linked, unused = make(), Institution.objects.create(name="Unused") if model == "institution" else \
        PolicyArea.objects.create(name="Unused", slug="unused")
    getattr(cl0050(), link).add(linked)
    admin = Client()
    admin.force_login(superuser)
    url = f"/admin/commitments/{model}/{linked.pk}/delete/"
    confirmation = admin.get(url).content.decode()
    assert "would require deleting the following protected related objects" in confirmation
    assert "Commitment: CL0050: " in confirmation
    assert admin.post(url, {"post": "yes"}).status_code == 200
    assert type(linked).objects.filter(pk=linked.pk).exists()
    # The admin's bulk action refuses it the same way; a row nobody links to is deleted.
    response = admin.post(f"/admin/commitments/{model}/", {"action": "delete_selected", "post": "yes",
                                                         "_selected_action": [linked.pk]})
    assert response.status_code == 200 and type(linked).objects.filter(pk=linked.pk).exists()
    assert admin.post(f"/admin/commitments/{model}/{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not type(unused).objects.filter(pk=unused.pk).exists()


def test_a_note_of_the_full_permitted_length_is_kept_whole(client, chile_staff):
    """The staff page takes 300 characters; history's reason column held 100, and PostgreSQL refused
    the save (a 500) where SQLite kept the note."""
    from commitments.forms import NOTE_MAX_LENGTH

    note = ("Reopened after the council's review; " * 10)[:NOTE_MAX_LENGTH - 1] + "."
    milestone_note = "Ñ" * NOTE_MAX_LENGTH
    staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note=note, milestone_order=5,
               milestone_status=Completion.COMPLETE, milestone_note=milestone_note)
    assert cl0050().history.first().history_change_reason == note
    assert cl0050().milestones.get(order=5).history.first().history_change_reason == milestone_note
    section = history_section(client.get(PAGE))
    assert note.replace("'", "&#x27;") in section and milestone_note in section
