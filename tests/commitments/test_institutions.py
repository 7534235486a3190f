"""One institution, one name: spellings that differ only by accents, case or spacing are one
institution (in the database, the import, the facets), and superusers merge institutions in the admin."""

import csv
import io
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from commitments.models import Commitment, Institution, StaffMembership, preferred_spelling
from commitments.services import MERGE_NOTE
from tests.commitments.factories import CommitmentFactory
from tests.commitments.ogp.test_import import run_import, subset, to_csv, write_file

ACCENTED = "Ministerio Secretaría General de la Presidencia"
PLAIN = "Ministerio Secretaria General de la Presidencia"
CHANGELIST = "/admin/commitments/institution/"


def lead_choices(response) -> list[tuple[str, str]]:
    """The lead institution facet as the list shows it: (label, count) per choice."""
    html = response.content.decode()
    return re.findall(
        r'name="lead_institution" value="\d+"[^>]*> ([^<]*?) <span class="count">\((\d+)\)', html)


def test_the_kept_spelling_is_the_most_used_then_the_accented_one():
    assert preferred_spelling({ACCENTED: 4, PLAIN: 2}) == ACCENTED
    assert preferred_spelling({ACCENTED: 1, PLAIN: 3}) == PLAIN
    assert preferred_spelling({PLAIN: 2, ACCENTED: 2}) == ACCENTED
    assert preferred_spelling({"private sector": 2, "Private Sector": 2}) == "Private Sector"


@pytest.mark.django_db
def test_the_database_refuses_a_second_spelling_of_one_institution():
    Institution.objects.create(name=ACCENTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(name="  ministerio SECRETARIA general de la  presidencia")
    assert Institution.objects.create(name=f"{ACCENTED} (Chile)").name_key == (
        "ministerio secretaria general de la presidencia (chile)")


@pytest.mark.django_db
def test_the_admin_refuses_a_variant_name_with_a_form_error(admin_client):
    Institution.objects.create(name=ACCENTED)
    response = admin_client.post("/admin/commitments/institution/add/", {"name": PLAIN.upper()})
    assert response.status_code == 200
    assert f"This is the institution “{ACCENTED}”" in response.content.decode()
    assert Institution.objects.count() == 1


@pytest.mark.django_db
def test_an_import_makes_one_institution_of_the_spellings_in_its_file_and_the_facet_one_choice(
        tmp_path, client):
    header, records = subset({"CL0005", "CL0006", "CL0008", "CL0015", "CL0017", "CL0018"})
    run_import(write_file(tmp_path, to_csv(header, records)))

    (institution,) = Institution.objects.filter(name__startswith="Ministerio Secretar")
    assert institution.name == ACCENTED  # four rows against two
    assert institution.led_commitments.count() == 6
    assert lead_choices(client.get("/commitments/")) == [(ACCENTED, "6")]
    # The file's other spelling is kept on its rows, so nothing of the file is lost.
    assert Commitment.objects.get(identifier="CL0017").ogp_extra["Lead Institution"] == PLAIN
    again = run_import(write_file(tmp_path, to_csv(header, records), "again.csv"))
    assert "commitments: 0 created, 0 updated" in again


@pytest.mark.django_db
def test_an_imported_row_naming_a_variant_links_to_the_existing_institution(tmp_path, client):
    existing = Institution.objects.create(name=ACCENTED)
    header, records = subset({"CL0017", "CL0018"})
    output = run_import(write_file(tmp_path, to_csv(header, records)))

    assert "institutions: 0 created" in output
    assert set(Commitment.objects.values_list("lead_institution", flat=True)) == {existing.pk}
    assert not Institution.objects.filter(name=PLAIN).exists()
    assert lead_choices(client.get("/commitments/")) == [(ACCENTED, "2")]
    # The export gives the file back as it came (its spelling still names that institution: an
    # export imports again as no change); a row edited since, or one never imported, writes the one name.
    export = b"".join(client.get("/commitments/export.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(export)))
    assert {row["Lead Institution"] for row in rows} == {PLAIN}
    CommitmentFactory(identifier="CL0999", action_plan=Commitment.objects.first().action_plan,
                      lead_institution=existing)
    export = b"".join(client.get("/commitments/export.csv").streaming_content).decode("utf-8-sig")
    rows = {row["Commitment Unique Identifier"]: row for row in csv.DictReader(io.StringIO(export))}
    assert rows["CL0999"]["Lead Institution"] == ACCENTED


# The admin's merge ---------------------------------------------------------------------------------

@pytest.fixture
def variants(chile, django_user_model):
    """Two spellings that became two institutions (as they did before the rule), each linked."""
    kept = Institution.objects.get(name=ACCENTED)
    # Written past the rule, as old data was: the key of another name.
    other = Institution.objects.create(name="Secretaría (temporary)")
    Institution.objects.filter(pk=other.pk).update(name=PLAIN)
    other.refresh_from_db()
    led = CommitmentFactory(action_plan=chile.action_plans.first(), lead_institution=other)
    supported = Commitment.objects.get(identifier="CL0050")
    supported.supporting_institutions.add(other)
    user = django_user_model.objects.create_user("ana", password="pw-for-tests-only")
    membership = StaffMembership.objects.create(user=user, member=chile, institution=other)
    return kept, other, led, supported, membership


def merge_post(client, institutions, follow=False, **extra):
    return client.post(CHANGELIST, {"action": "merge_institutions",
                                    "_selected_action": [i.pk for i in institutions], **extra}, follow=follow)


@pytest.mark.django_db
def test_a_superuser_merges_two_institutions_after_a_confirmation(variants, client, superuser):
    kept, other, led, supported, membership = variants
    client.force_login(superuser)
    assert "Merge the selected institutions into one" in client.get(CHANGELIST).content.decode()

    confirm = merge_post(client, [kept, other])
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Yes, merge them" in page and PLAIN in page
    # The preferred spelling offered first (here the plain one: two commitments against one).
    assert re.search(rf'value="{other.pk}"[^>]*checked', page) and "(1 commitment)" in page
    assert Institution.objects.filter(pk=other.pk).exists()  # nothing merged yet

    done = merge_post(client, [kept, other], merge_confirmed="yes", kept=kept.pk)
    assert done.status_code == 302
    assert not Institution.objects.filter(pk=other.pk).exists()
    led.refresh_from_db()
    assert led.lead_institution == kept and led.version == 2
    assert set(supported.supporting_institutions.all()) >= {kept}
    membership.refresh_from_db()
    assert membership.institution == kept
    # Recorded in the history: who, when, why, on the commitments and the institutions.
    record = led.history.first()
    assert record.history_user == superuser and record.history_change_reason == MERGE_NOTE
    assert supported.history.first().history_change_reason == MERGE_NOTE
    assert ACCENTED in supported.history.first().history_supporting_institutions
    assert PLAIN not in supported.history.first().history_supporting_institutions
    deleted = Institution.history.filter(id=other.pk).first()
    assert deleted.history_type == "-" and deleted.history_user == superuser
    assert kept.history.first().history_change_reason == f"Merged with: {PLAIN}"
    assert "/history/" in client.get(f"{CHANGELIST}{kept.pk}/history/").request["PATH_INFO"]
    assert lead_choices(client.get(f"/commitments/?lead_institution={kept.pk}"))[0][0] == ACCENTED


@pytest.mark.django_db
def test_merging_a_single_institution_is_refused_with_a_message(variants, client, superuser):
    kept = variants[0]
    client.force_login(superuser)
    response = merge_post(client, [kept], merge_confirmed="yes", kept=kept.pk, follow=True)
    assert "Choose at least two institutions" in response.content.decode()
    assert Institution.objects.filter(pk=kept.pk).exists()


@pytest.mark.django_db
def test_staff_who_are_not_superusers_cannot_merge(variants, staff_client):
    kept, other, *_rest = variants
    assert "Merge the selected institutions" not in staff_client.get(CHANGELIST).content.decode()
    merge_post(staff_client, [kept, other], merge_confirmed="yes", kept=kept.pk)
    assert Institution.objects.filter(pk=other.pk).exists()
    assert variants[2].lead_institution_id == other.pk


@pytest.mark.django_db
def test_a_merge_without_the_csrf_token_is_refused(variants, superuser):
    kept, other, *_rest = variants
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = merge_post(client, [kept, other], merge_confirmed="yes", kept=kept.pk)
    assert response.status_code == 403
    assert Institution.objects.filter(pk=other.pk).exists()
