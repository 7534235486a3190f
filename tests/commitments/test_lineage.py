"""Lineage across plans (issue 15.6): a commitment names the one it continues, in the admin (no
cycle), and the commitment page shows the chain both ways."""

import pytest

from commitments.models import Commitment
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory
from tests.html_forms import form_data


@pytest.fixture
def chain(db):
    """CL0025 (2012) <- CL0050 (2016) <- CL0069 (2018): each continues the one before."""
    member = MemberFactory(name="Chile lineage", slug="chile-lineage")
    plans = [ActionPlanFactory(member=member, submission_year=year) for year in (2012, 2016, 2018)]
    first = CommitmentFactory(identifier="LN0025", action_plan=plans[0], title="Transparency council")
    second = CommitmentFactory(identifier="LN0050", action_plan=plans[1], title="OGP secretariat",
                               continues=first)
    third = CommitmentFactory(identifier="LN0069", action_plan=plans[2], title="Open state council",
                              continues=second)
    return first, second, third


def lineage_text(client, commitment):
    page = client.get(commitment.get_absolute_url()).content.decode()
    if 'class="lineage"' not in page:
        return ""
    start = page.index('class="lineage"')
    return page[start:page.index("</ul>", start)]


def test_page_shows_the_chain_both_ways_linked(client, chain):
    first, second, third = chain
    middle = lineage_text(client, second)
    assert 'Continues <a href="/commitments/LN0025/">LN0025</a>: Transparency council' in middle
    assert 'Continued in <a href="/commitments/LN0069/">LN0069</a>: Open state council' in middle
    last = lineage_text(client, third)
    assert last.index("Continues <a") < last.index('which continues <a href="/commitments/LN0025/">')
    assert "Continued in" not in last
    assert 'Continued in <a href="/commitments/LN0050/">' in lineage_text(client, first)
    assert 'Continued in <a href="/commitments/LN0069/">' in lineage_text(client, first)


def test_page_in_spanish(client, chain):
    page = client.get(chain[1].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Linaje entre planes de acción" in page and "Continúa" in page and "Continuado en" in page


def test_no_lineage_no_section(client, db):
    assert lineage_text(client, CommitmentFactory()) == ""


def test_a_cycle_written_past_the_admin_and_an_odd_identifier_break_nothing(client, chain):
    first, second, third = chain
    Commitment.objects.filter(pk=first.pk).update(continues=third)  # a bulk write skips clean()
    Commitment.objects.filter(pk=third.pk).update(identifier="UA 0001")  # stored before validation
    response = client.get(second.get_absolute_url())
    assert response.status_code == 200
    text = lineage_text(client, second)
    # Each side follows the cycle once round and stops: LN0025 and UA 0001 once each per side.
    continues, continued_in = text.split("Continued in", 1)
    assert continues.count(">LN0025<") == 1 and continues.count("UA 0001") == 1
    assert continued_in.count(">LN0025<") == 1 and continued_in.count("UA 0001") == 1
    assert 'href="/commitments/UA 0001/"' not in text


def test_deleting_a_predecessor_ends_the_chain(client, chain):
    first, second, _third = chain
    first.delete()
    second.refresh_from_db()
    assert second.continues is None
    assert "Continues" not in lineage_text(client, second)


def _admin_form(client, commitment):
    url = f"/admin/commitments/commitment/{commitment.pk}/change/"
    data = form_data(client.get(url).content.decode(), form_id="commitment_form")
    data["change_note"] = "Lineage recorded"
    return url, data


def test_admin_sets_continues_and_refuses_a_cycle_and_itself(admin_client, chain):
    first, second, third = chain
    url, data = _admin_form(admin_client, first)
    page = admin_client.get(url).content.decode()
    assert 'data-ajax--url="/admin/autocomplete/"' in page and 'name="continues"' in page

    data["continues"] = str(third.pk)  # LN0069 continues LN0050, which continues LN0025
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "This would make a cycle" in response.content.decode()

    data["continues"] = str(first.pk)
    response = admin_client.post(url, data)
    assert "A commitment cannot continue itself." in response.content.decode()
    first.refresh_from_db()
    assert first.continues is None

    other = CommitmentFactory(identifier="LN0010", action_plan=first.action_plan)
    data["continues"] = str(other.pk)
    assert admin_client.post(url, data).status_code == 302
    first.refresh_from_db()
    assert first.continues == other


def test_admin_cycle_message_in_spanish(admin_client, chain):
    first, _second, third = chain
    url, data = _admin_form(admin_client, first)
    data["continues"] = str(third.pk)
    response = admin_client.post(url, data, HTTP_ACCEPT_LANGUAGE="es")
    assert "Esto formaría un ciclo" in response.content.decode()


# --- Issue 23.4: a stored cycle blocks nothing; two saves cannot close one together --------------


def test_a_cycle_stored_earlier_does_not_block_unrelated_edits(admin_client, chain):
    first, second, third = chain
    Commitment.objects.filter(pk=first.pk).update(continues=third)  # a cycle, written past the rule
    url, data = _admin_form(admin_client, first)
    data["title"] = "Transparency council, renamed"
    assert admin_client.post(url, data).status_code == 302
    first.refresh_from_db()
    assert first.title == "Transparency council, renamed" and first.continues == third
    # Changing the link itself is checked: still a cycle, still refused.
    url, data = _admin_form(admin_client, first)
    data["continues"] = str(second.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "This would make a cycle" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_that_would_close_a_cycle_leave_one_refused():
    """Two real connections: the first validates A -> B and holds its transaction open; the second
    validates B -> A meanwhile. PostgreSQL only (SQLite serves one writer at a time)."""
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("two concurrent writers need PostgreSQL (CI runs it)")
    plan = ActionPlanFactory(member=MemberFactory(name="Race", slug="race"))
    a = CommitmentFactory(identifier="RC0060", action_plan=plan)
    b = CommitmentFactory(identifier="RC0061", action_plan=plan)
    validated, outcomes = threading.Event(), {}

    def save(name, commitment_pk, predecessor_pk, wait_for=None):
        try:
            if wait_for:
                wait_for.wait(10)
            with transaction.atomic():
                commitment = Commitment.objects.get(pk=commitment_pk)
                commitment.continues_id = predecessor_pk
                try:
                    commitment.full_clean()
                except ValidationError as refused:
                    outcomes[name] = refused.message_dict["continues"][0]
                    return
                if not wait_for:
                    validated.set()
                    threading.Event().wait(0.5)  # the other save arrives while this one is open
                commitment.save()
                outcomes[name] = "saved"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=("first", a.pk, b.pk)),
               threading.Thread(target=save, args=("second", b.pk, a.pk, validated))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes["first"] == "saved"
    assert outcomes["second"].startswith("This would make a cycle")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.continues_id == b.pk and b.continues_id is None


# --- Issue 23.5: links stay within a role ----------------------------------------------------------


def test_staff_may_link_only_to_a_commitment_of_a_member_they_serve(client, chile_staff, chain):
    from commitments.permissions import can_continue

    cl0050 = Commitment.objects.get(identifier="CL0050")
    argentina = CommitmentFactory(identifier="AR0013", action_plan=ActionPlanFactory(
        member=MemberFactory(name="Argentina", slug="argentina")), title="Argentina's own")
    client.force_login(chile_staff)
    url, data = _admin_form(client, cl0050)
    data["continues"] = str(argentina.pk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "You may link only to a commitment of a member you are staff of." in response.content.decode()
    cl0050.refresh_from_db()
    assert cl0050.continues is None
    assert "Continued in" not in client.get(argentina.get_absolute_url()).content.decode()
    # Within Chile, the same staff links freely; a superuser may link across members.
    chile_earlier = Commitment.objects.filter(action_plan__member__slug="chile").exclude(pk=cl0050.pk).first()
    data["continues"] = str(chile_earlier.pk)
    assert client.post(url, data).status_code == 302
    assert can_continue(chile_staff, chile_earlier) and not can_continue(chile_staff, argentina)


def test_a_link_a_superuser_made_across_members_does_not_block_the_staffs_edits(
        client, admin_client, chile_staff, chain):
    cl0050 = Commitment.objects.get(identifier="CL0050")
    argentina = CommitmentFactory(identifier="AR0013", action_plan=ActionPlanFactory(
        member=MemberFactory(name="Argentina", slug="argentina")))
    url, data = _admin_form(admin_client, cl0050)
    data["continues"] = str(argentina.pk)
    assert admin_client.post(url, data).status_code == 302
    client.force_login(chile_staff)
    url, data = _admin_form(client, cl0050)
    data["title"] = "Retitled by Chile's staff"
    assert client.post(url, data).status_code == 302
    cl0050.refresh_from_db()
    assert cl0050.title == "Retitled by Chile's staff" and cl0050.continues == argentina
