"""The staff edit page (/commitments/<identifier>/edit/) and the lost-update guard, there and in the admin."""

import html
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.test import Client
from django.utils import timezone

from commitments import services
from commitments.models import ActionPlan, Commitment, Milestone
from reviews.scales import Completion
from tests.commitments.factories import CommitmentFactory, MilestoneFactory
from tests.html_forms import form_data

EDIT_URL = "/commitments/CL0050/edit/"
ADMIN_FORM = "commitment_form"


def cl0050():
    return Commitment.objects.get(identifier="CL0050")


@pytest.fixture
def staff(client, chile_staff):
    client.force_login(chile_staff)
    return client


def edit_form(client, url=EDIT_URL):
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.content.decode(), "commitment-edit-form")


def milestone_key(order, name):
    return f"milestone-{cl0050().milestones.get(order=order).pk}-{name}"


def test_edit_page_shows_the_current_values_and_version(staff):
    commitment = cl0050()
    data = edit_form(staff)
    assert data["version"] == str(commitment.version)
    assert data["status"] == commitment.status
    assert data[milestone_key(2, "status")] == commitment.milestones.get(order=2).status
    assert "csrfmiddlewaretoken" in data


def test_staff_update_status_dates_and_evidence_in_one_form(staff, chile_staff):
    data = edit_form(staff)
    data.update(status=Commitment.Status.ACTIVE, note="Reopened for the fourth plan")
    data[milestone_key(4, "status")] = Completion.COMPLETE
    data[milestone_key(4, "start_date")] = "2017-01-15"
    data[milestone_key(4, "end_date")] = "2018-06-30"
    data[milestone_key(4, "completed_on")] = "2018-06-29"
    data[milestone_key(4, "evidence_url")] = "https://www.ogp.gob.cl/reportes"
    data[milestone_key(4, "note")] = "Both follow-up reports are online"
    response = staff.post(EDIT_URL, data, follow=True)
    assert response.redirect_chain == [("/commitments/CL0050/", 302)]
    assert "Saved: Commitment, Milestone 4." in response.content.decode()
    milestone = cl0050().milestones.get(order=4)
    assert (milestone.status, str(milestone.start_date), str(milestone.end_date), str(milestone.completed_on),
            milestone.evidence_url) == (Completion.COMPLETE, "2017-01-15", "2018-06-30", "2018-06-29",
                                        "https://www.ogp.gob.cl/reportes")
    record = milestone.history.first()
    assert (record.history_user, record.history_change_reason) == (chile_staff,
                                                                    "Both follow-up reports are online")
    assert cl0050().history.first().history_change_reason == "Reopened for the fourth plan"


@pytest.mark.parametrize("which", ["commitment", "milestone"])
def test_each_change_needs_a_note(staff, which):
    before = cl0050()
    data = edit_form(staff)
    if which == "commitment":
        data["status"] = Commitment.Status.ACTIVE
        data[milestone_key(1, "status")] = Completion.LIMITED
        data[milestone_key(1, "note")] = "Noted"
    else:
        data[milestone_key(1, "status")] = Completion.LIMITED
    response = staff.post(EDIT_URL, data)
    assert response.status_code == 400
    assert str(services.NOTE_REQUIRED_MESSAGE) in response.content.decode().replace("&#x27;", "'")
    after = cl0050()
    assert (after.status, after.version) == (before.status, before.version)
    assert after.milestones.get(order=1).status == before.milestones.get(order=1).status


def test_saving_without_changes_says_so_and_keeps_the_version(staff):
    version = cl0050().version
    response = staff.post(EDIT_URL, edit_form(staff))
    assert response.status_code == 400
    assert str(services.NOTHING_CHANGED_MESSAGE) in response.content.decode()
    assert cl0050().version == version


@pytest.mark.parametrize(("field", "value"), [
    ("end_date", "2016-01-01"),          # before the start date below
    ("start_date", "30/02/2017"),
    ("evidence_url", "not a link"),
    ("status", "finished"),
])
def test_invalid_milestone_values_are_refused_with_a_message(staff, field, value):
    data = edit_form(staff)
    data[milestone_key(2, "start_date")] = "2017-01-01"
    data[milestone_key(2, field)] = value
    data[milestone_key(2, "note")] = "Dates fixed"
    response = staff.post(EDIT_URL, data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert cl0050().milestones.get(order=2).start_date is None


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_a_missing_or_forged_version_is_refused(staff, version):
    data = edit_form(staff)
    data.update(status=Commitment.Status.ACTIVE, note="Reopened", version=version)
    assert staff.post(EDIT_URL, data).status_code == 400
    assert cl0050().status == Commitment.Status.INACTIVE


def test_edit_page_needs_the_csrf_token(chile_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(chile_staff)
    data = edit_form(client)
    data.pop("csrfmiddlewaretoken")
    data.update(status=Commitment.Status.ACTIVE, note="Reopened")
    assert client.post(EDIT_URL, data).status_code == 403
    assert cl0050().status == Commitment.Status.INACTIVE


def test_anonymous_get_goes_to_the_login_page(client, chile):
    response = client.get(EDIT_URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/commitments/CL0050/edit/"


def test_unknown_identifier_is_404(staff):
    assert staff.get("/commitments/XX9999/edit/").status_code == 404


# --- No lost updates ---------------------------------------------------------------------------


def test_second_of_two_concurrent_edits_is_refused_with_what_changed(chile_staff, superuser):
    first, second = Client(), Client()
    first.force_login(superuser)
    second.force_login(chile_staff)
    first_data, second_data = edit_form(first), edit_form(second)

    first_data.update(status=Commitment.Status.ACTIVE, note="Reopened by the secretariat")
    first_data[milestone_key(5, "status")] = Completion.COMPLETE
    first_data[milestone_key(5, "completed_on")] = "2018-06-01"
    first_data[milestone_key(5, "note")] = "Fourth plan published"
    assert first.post(EDIT_URL, first_data).status_code == 302

    second_data[milestone_key(5, "status")] = Completion.LIMITED
    second_data[milestone_key(5, "note")] = "Fourth plan delayed"
    second_data[milestone_key(2, "evidence_url")] = "https://example.org/minutes"
    second_data[milestone_key(2, "note")] = "Minutes online"
    response = second.post(EDIT_URL, second_data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone saved this commitment after you opened it" in body.replace("&#x27;", "'")
    conflict = body[body.index('id="conflict-heading"'):body.index('id="commitment-edit-form"')]
    assert "Reopened by the secretariat" in conflict and "Fourth plan published" in conflict
    assert "Inactive → Active" in conflict and "Substantial → Complete" in conflict
    # Nothing of the second edit was saved; the form keeps everything its editor typed (values and
    # notes), now at the version saved, with the saved value beside each that differs.
    assert cl0050().milestones.get(order=5).status == Completion.COMPLETE
    kept = form_data(body, "commitment-edit-form")
    assert kept["version"] == str(cl0050().version)
    assert kept[milestone_key(5, "status")] == Completion.LIMITED
    assert kept[milestone_key(5, "note")] == "Fourth plan delayed"
    assert kept[milestone_key(2, "evidence_url")] == "https://example.org/minutes"
    assert kept["status"] == Commitment.Status.INACTIVE
    assert saved_now(body, milestone_key(5, "status")) == "Complete"
    assert saved_now(body, "status") == "Active"
    assert saved_now(body, milestone_key(4, "status")) is None  # no one changed it
    # Submitted again as it stands, the second editor's values are saved (they saw the others').
    kept["status"] = Commitment.Status.ACTIVE
    assert second.post(EDIT_URL, kept).status_code == 302
    milestone = cl0050().milestones.get(order=5)
    assert (milestone.status, milestone.completed_on) == (Completion.LIMITED, None)
    assert milestone.history.first().history_change_reason == "Fourth plan delayed"
    assert cl0050().milestones.get(order=2).evidence_url == "https://example.org/minutes"


def saved_now(body: str, name: str) -> str | None:
    """The value "Saved now" beside the field of that name, or None when none is shown."""
    start = body.index(f'name="{name}"')
    paragraph = body[start:body.index("</p>", start)]
    match = re.search(r'class="saved-now">[^<]*<strong>([^<]*)</strong>', paragraph)
    return html.unescape(match.group(1)) if match else None


def test_a_milestone_edit_bumps_the_commitments_version(staff):
    version = cl0050().version
    data = edit_form(staff)
    data[milestone_key(3, "status")] = Completion.COMPLETE
    data[milestone_key(3, "completed_on")] = "2018-03-01"
    data[milestone_key(3, "note")] = "Monitoring done"
    assert staff.post(EDIT_URL, data).status_code == 302
    assert cl0050().version == version + 1


def test_claim_version_lets_exactly_one_of_two_saves_of_a_version_win(chile):
    commitment = cl0050()
    seen = commitment.version
    services.claim_version(commitment=Commitment.objects.get(pk=commitment.pk), expected_version=seen)
    with pytest.raises(services.StaleEdit):
        services.claim_version(commitment=Commitment.objects.get(pk=commitment.pk), expected_version=seen)
    assert cl0050().version == seen + 1


def test_the_service_refuses_a_milestone_of_another_commitment(chile_staff):
    commitment = cl0050()
    stranger = Milestone.objects.exclude(commitment=commitment).first() or MilestoneFactory(
        commitment=CommitmentFactory(action_plan=commitment.action_plan))
    with pytest.raises(PermissionDenied):
        services.commitment_update(
            commitment=commitment, user=chile_staff, data={}, note="", expected_version=commitment.version,
            milestones=[services.MilestoneChange(stranger, {"status": Completion.COMPLETE}, "x")])


def admin_url():
    return f"/admin/commitments/commitment/{cl0050().pk}/change/"


def test_admin_refuses_a_stale_form_and_shows_what_changed(chile_staff, superuser):
    first, second = Client(), Client()
    first.force_login(superuser)
    second.force_login(chile_staff)
    first_data = form_data(first.get(admin_url()).content.decode(), ADMIN_FORM)
    second_data = form_data(second.get(admin_url()).content.decode(), ADMIN_FORM)
    first_data.update(status=Commitment.Status.ACTIVE, change_note="Reopened in the admin")
    assert first.post(admin_url(), first_data).status_code == 302

    second_data.update(title="A title typed meanwhile", change_note="Title shortened")
    response = second.post(admin_url(), second_data)
    # The status of services.check_version's refusal, as on the staff page and in the API (it was the
    # admin's own 200 before the one version check).
    assert response.status_code == 409
    body = response.content.decode().replace("&#x27;", "'")
    assert "Someone saved this commitment after you opened it" in body
    assert "Reopened in the admin" in body and "Inactive → Active" in body
    after = cl0050()
    assert after.title != "A title typed meanwhile" and after.status == Commitment.Status.ACTIVE


def test_admin_settles_a_race_after_validation_without_overwriting(chile_staff, monkeypatch):
    client = Client()
    client.force_login(chile_staff)
    data = form_data(client.get(admin_url()).content.decode(), ADMIN_FORM)
    data.update(title="Lost title", change_note="Retitled")
    real_baseline = services.ensure_history_baseline

    def another_save_lands(commitment):
        # Another editor's save commits between this form's validation and its save.
        Commitment.objects.filter(pk=commitment.pk).update(version=F("version") + 1)
        real_baseline(commitment)

    monkeypatch.setattr(services, "ensure_history_baseline", another_save_lands)
    response = client.post(admin_url(), data, follow=True)
    assert response.redirect_chain[-1] == (admin_url(), 302)
    assert "Someone saved this commitment after you opened it" in response.content.decode().replace(
        "&#x27;", "'")
    assert cl0050().title != "Lost title"


def test_admin_needs_a_note_for_a_change(chile_staff):
    client = Client()
    client.force_login(chile_staff)
    data = form_data(client.get(admin_url()).content.decode(), ADMIN_FORM)
    data.update(status=Commitment.Status.ACTIVE)
    response = client.post(admin_url(), data)
    assert response.status_code == 200
    assert cl0050().status == Commitment.Status.INACTIVE


@pytest.fixture
def few_and_many(client, superuser):
    """A superuser's client, and two commitments, TS0001 with 2 milestones and TS0002 with 25."""
    client.force_login(superuser)
    MilestoneFactory.create_batch(2, commitment=CommitmentFactory(identifier="TS0001"))
    MilestoneFactory.create_batch(25, commitment=CommitmentFactory(identifier="TS0002"))
    return client


def test_edit_page_query_count_does_not_grow_with_milestones(few_and_many, django_assert_max_num_queries):
    client = few_and_many
    with django_assert_max_num_queries(8) as small:
        assert client.get("/commitments/TS0001/edit/").status_code == 200
    with django_assert_max_num_queries(8) as large:
        assert client.get("/commitments/TS0002/edit/").status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


# --- Nothing typed is lost (issue 22, point 4) --------------------------------------------------


def summary_links(body: str) -> list[tuple[str, str]]:
    """The error summary's links, (href, text), and the summary must come before the form."""
    start = body.index('id="error-summary"')
    assert start < body.index('id="commitment-edit-form"')
    summary = body[start:body.index("</section>", start)]
    return [(href, html.unescape(re.sub(r"\s+", " ", text)).strip())
            for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', summary, re.S)]


def test_a_refused_save_lists_each_error_at_the_top_linked_to_its_field(staff):
    data = edit_form(staff)
    data["status"] = Commitment.Status.ACTIVE  # no note
    data[milestone_key(3, "status")] = Completion.LIMITED  # no note
    data[milestone_key(3, "evidence_url")] = "not a link"
    data[milestone_key(1, "note")] = "A note I typed"
    response = staff.post(EDIT_URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'tabindex="-1" autofocus' in body[body.index('id="error-summary"') - 40:][:200]
    links = summary_links(body)
    note_3 = f"#id_{milestone_key(3, 'note')}"
    assert [href for href, _text in links] == [
        "#id_note", f"#id_{milestone_key(3, 'evidence_url')}", note_3]
    assert links[0][1] == f"Commitment · Public note: {services.NOTE_REQUIRED_MESSAGE}"
    assert links[2][1].startswith("Milestone 3 · Public note: Write a short public note")
    for href, _text in links:
        assert f'id="{href[1:]}"' in body  # each link leads to a field on the page
    # What was typed is still there.
    kept = form_data(body, "commitment-edit-form")
    assert kept[milestone_key(1, "note")] == "A note I typed"
    assert kept[milestone_key(3, "evidence_url")] == "not a link"


def test_an_error_about_the_whole_form_is_summarised_and_linked_to_its_fieldset(staff):
    response = staff.post(EDIT_URL, edit_form(staff))
    assert response.status_code == 400
    assert summary_links(response.content.decode()) == [
        ("#commitment-fields", f"Commitment: {services.NOTHING_CHANGED_MESSAGE}")]


def test_the_summary_is_in_spanish(staff):
    data = edit_form(staff)
    data["status"] = Commitment.Status.ACTIVE
    response = staff.post(EDIT_URL, data, HTTP_ACCEPT_LANGUAGE="es")
    body = response.content.decode()
    assert "Nada se guardó" in body
    assert summary_links(body)[0][1].startswith("Compromiso · ")


@pytest.mark.parametrize("version", ["0", "", None, "abc", "99"])
def test_a_missing_or_bad_version_says_why_and_keeps_what_was_typed(staff, version):
    data = edit_form(staff)
    data.update(status=Commitment.Status.ACTIVE, note="Reopened")
    data[milestone_key(2, "note")] = "Typed before the refusal"
    if version is None:
        data.pop("version")
    else:
        data["version"] = version
    response = staff.post(EDIT_URL, data)
    with pytest.raises(services.VersionRefused) as expected:
        services.check_version(cl0050(), version)
    assert response.status_code == expected.value.status == (409 if version == "99" else 400)
    body = html.unescape(response.content.decode())
    summary = body[body.index('id="error-summary"'):body.index('id="commitment-edit-form"')]
    assert expected.value.detail in summary and "Everything you typed is kept below" in summary
    kept = form_data(body, "commitment-edit-form")
    assert (kept["status"], kept["note"], kept[milestone_key(2, "note")]) == (
        Commitment.Status.ACTIVE, "Reopened", "Typed before the refusal")
    assert kept["version"] == str(cl0050().version)
    assert saved_now(body, "status") == "Inactive"
    assert cl0050().status == Commitment.Status.INACTIVE
    # Sent again, now with a version, it saves.
    assert staff.post(EDIT_URL, kept).status_code == 302
    assert cl0050().status == Commitment.Status.ACTIVE


# --- The date met (services.with_completion) ------------------------------------------------------


def open_milestone():
    return cl0050().milestones.exclude(status=Completion.COMPLETE).order_by("order").first()


def run_plan_through_today():
    today = timezone.localdate()
    ActionPlan.objects.filter(pk=cl0050().action_plan_id).update(submission_year=today.year - 1,
                                                                end_year=today.year + 1)


def test_a_milestone_of_a_past_plan_made_complete_asks_for_its_date_met(staff):
    """CL0050's plan ran 2016-2018: today is not offered, and completing without a date is refused
    (it used to say "Met on" today on the public page)."""
    milestone = open_milestone()
    data = edit_form(staff)
    assert data[milestone_key(milestone.order, "completed_on")] == ""
    data[milestone_key(milestone.order, "status")] = Completion.COMPLETE
    data[milestone_key(milestone.order, "note")] = "Done"
    response = staff.post(EDIT_URL, data)
    assert response.status_code == 400
    links = summary_links(response.content.decode())
    assert links == [(f"#id_{milestone_key(milestone.order, 'completed_on')}",
                      f"Milestone {milestone.order} · Date met: " + str(services.DATE_MET_NEEDED_MESSAGE % {
                          "today": timezone.localdate().isoformat(), "start": "2016-01-01",
                          "end": "2018-12-31"}))]
    assert Milestone.objects.get(pk=milestone.pk).status == milestone.status

    data[milestone_key(milestone.order, "completed_on")] = "2018-04-30"
    assert staff.post(EDIT_URL, data).status_code == 302
    saved = Milestone.objects.get(pk=milestone.pk)
    assert (saved.status, str(saved.completed_on)) == (Completion.COMPLETE, "2018-04-30")


def test_a_milestone_of_a_running_plan_is_offered_today_which_the_editor_sees(staff):
    run_plan_through_today()
    milestone = open_milestone()
    data = edit_form(staff)
    today = timezone.localdate().isoformat()
    # Offered in the field of every open milestone; a complete one keeps its own.
    assert data[milestone_key(milestone.order, "completed_on")] == today
    complete = cl0050().milestones.filter(status=Completion.COMPLETE).first()
    assert data[milestone_key(complete.order, "completed_on")] == (
        complete.completed_on.isoformat() if complete.completed_on else "")
    # The offered date is no change while the milestone stays open: saving nothing says so.
    response = staff.post(EDIT_URL, data)
    assert str(services.NOTHING_CHANGED_MESSAGE) in response.content.decode()
    data[milestone_key(milestone.order, "status")] = Completion.COMPLETE
    data[milestone_key(milestone.order, "note")] = "Done today"
    assert staff.post(EDIT_URL, data).status_code == 302
    assert Milestone.objects.get(pk=milestone.pk).completed_on == timezone.localdate()


def test_a_date_met_after_today_is_refused(staff):
    milestone = open_milestone()
    data = edit_form(staff)
    data[milestone_key(milestone.order, "status")] = Completion.COMPLETE
    data[milestone_key(milestone.order, "completed_on")] = "2999-01-01"
    data[milestone_key(milestone.order, "note")] = "Done"
    response = staff.post(EDIT_URL, data)
    assert response.status_code == 400
    assert str(services.COMPLETED_IN_FUTURE_MESSAGE) in summary_links(response.content.decode())[0][1]


def test_every_aria_describedby_names_an_element_of_the_page(staff):
    """axe's aria-valid-attr-value: the Date met inputs named help text ids that did not exist."""
    pages = [staff.get(EDIT_URL).content.decode()]
    data = edit_form(staff)
    data["status"] = Commitment.Status.ACTIVE
    data[milestone_key(2, "status")] = Completion.LIMITED
    data[milestone_key(2, "start_date")] = "bad"
    pages.append(staff.post(EDIT_URL, data).content.decode())
    for body in pages:
        ids = set(re.findall(r'\sid="([^"]+)"', body))
        named = [name for value in re.findall(r'aria-describedby="([^"]*)"', body) for name in value.split()]
        assert named and any(name.endswith("completed_on_helptext") for name in named)
        assert [name for name in named if name not in ids] == []


def test_the_page_after_a_refusal_costs_no_more_queries_with_more_milestones(few_and_many,
                                                                              django_assert_max_num_queries):
    client = few_and_many
    counts = []
    for identifier in ("TS0001", "TS0002"):
        url = f"/commitments/{identifier}/edit/"
        data = form_data(client.get(url).content.decode(), "commitment-edit-form")
        data["status"] = Commitment.Status.INACTIVE  # no note
        stale = dict(data, version="1")
        Commitment.objects.filter(identifier=identifier).update(version=F("version") + 1)
        with django_assert_max_num_queries(9) as refused:
            assert client.post(url, stale).status_code == 409
        counts.append(len(refused.captured_queries))
    assert counts[0] == counts[1]


def test_a_conflict_keeps_even_values_that_are_not_valid_and_markup_as_text(staff):
    data = edit_form(staff)
    key = milestone_key(3, "completed_on")
    data[key] = "31/31/2031"
    data[milestone_key(3, "status")] = Completion.COMPLETE
    data[milestone_key(3, "note")] = '<script>alert("x")</script>\x0b'
    data["version"] = str(cl0050().version + 7)
    response = staff.post(EDIT_URL, data)
    assert response.status_code == 409  # a version never reached: a conflict (services.VersionNotReached)
    body = response.content.decode()
    assert "<script>alert" not in body
    kept = form_data(body, "commitment-edit-form")
    assert kept[key] == "31/31/2031" and kept[milestone_key(3, "note")].startswith('<script>alert("x")')
