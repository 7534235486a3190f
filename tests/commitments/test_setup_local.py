"""`manage.py setup_local` (what `make run` calls): the Chile seed and OGP's sample, an admin, once."""

import json
import re
from functools import reduce
from operator import or_

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.db.models import Q

from commitments.management.commands.setup_local import SAMPLE, seed_identifiers
from commitments.models import STORED_RATING_FIELDS, Commitment, Member
from reviews.scales import MISSING_CODES

pytestmark = pytest.mark.django_db

SEED = settings.BASE_DIR / "fixtures" / "chile.json"


def members_with_irm_ratings():
    """Members with at least one commitment holding a real IRM rating (not a missing code)."""
    rated = reduce(or_, (Q(**{f"action_plans__commitments__{name}__isnull": False})
                         & ~Q(**{f"action_plans__commitments__{name}__in": MISSING_CODES})
                         for name in STORED_RATING_FIELDS))
    return Member.objects.filter(rated).distinct()


def cl0050_as_stored() -> dict:
    """CL0050 and every row its page shows, as the serializer writes them, and its history."""
    commitment = Commitment.objects.get(identifier="CL0050")
    assessments = list(commitment.assessments.all())
    rows = [commitment, commitment.action_plan, commitment.action_plan.member, commitment.lead_institution,
            *commitment.supporting_institutions.all(), *commitment.policy_areas.all(),
            *commitment.milestones.all(), *commitment.sources.all(), *assessments,
            *(assessment.report for assessment in assessments)]
    return {"rows": json.loads(serializers.serialize("json", rows)),
            "history": list(commitment.history.values_list("history_type", "version"))}


def test_setup_loads_the_seed_then_the_sample_and_cl0050_stays_as_seeded(capsys):
    call_command("setup_local")
    out = capsys.readouterr().out
    assert "Loaded the Chile seed" in out and "Imported 552 rows" in out  # 6 rows of seed commitments left
    # 74 members come with the sample, Chile with the seed and the sample; 552 commitments are new.
    assert Member.objects.count() == 75
    assert Commitment.objects.count() == 62 + 552
    # Every member but Kosovo (two commitments the sample has no IRM report on) has real ratings.
    assert set(Member.objects.exclude(pk__in=members_with_irm_ratings()).values_list("name", flat=True)) == {
        "Kosovo"}
    assert Commitment.objects.exclude(end_of_term_completion=None).count() > 300
    # CL0050 stays exactly as the seed has it, every row its page shows.
    stored = {(row["model"], row["pk"]): row["fields"] for row in cl0050_as_stored()["rows"]}
    seed = {(row["model"], row["pk"]): row["fields"] for row in json.loads(SEED.read_text())}
    assert len(stored) == 1 + 1 + 1 + 2 + 3 + 5 + 8 + 2 + 2  # the rows CL0050's page shows
    for key, fields in stored.items():
        assert {name: fields[name] for name in seed[key]} == seed[key], key
    # Never saved since it was loaded: only the baseline setup_local records at loading (so that
    # ?as_of= is exact from that day), and no entry from the import.
    assert cl0050_as_stored()["history"] == [("+", 1)]
    assert Commitment.objects.get(identifier="CL0050").version == 1


def test_the_sample_leaves_cl0050_untouched_when_it_goes_into_a_seeded_database(chile):
    before = cl0050_as_stored()
    call_command("setup_local", verbosity=0)
    assert Member.objects.count() == 75
    assert cl0050_as_stored() == before


def test_the_shipped_sample_is_the_reference_file():
    assert SAMPLE.read_bytes() == (settings.BASE_DIR / "tests" / "data" / SAMPLE.name).read_bytes()


def test_setup_twice_imports_once_and_keeps_the_edits(capsys, django_user_model):
    call_command("setup_local")
    first = capsys.readouterr().out
    Commitment.objects.filter(identifier="UA0100").update(title="Edited locally")
    Commitment.objects.filter(identifier="CL0069").delete()
    call_command("setup_local")
    second = capsys.readouterr().out
    assert "Created a local admin account" in first
    assert "existing admin account" in second and "Imported" not in second and "Loaded" not in second
    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    assert Commitment.objects.get(identifier="UA0100").title == "Edited locally"
    assert not Commitment.objects.filter(identifier="CL0069").exists()


def test_a_database_with_other_members_gets_no_sample(chile):
    Member.objects.create(name="Testland", slug="testland", code="TST", region=Member.Region.EUROPE)
    call_command("setup_local", verbosity=0)
    assert Member.objects.count() == 2
    assert Commitment.objects.count() == 62


def test_setup_fills_search_text_missing_from_an_older_database(chile):
    Commitment.objects.update(search_text="")
    call_command("setup_local", verbosity=0)
    assert not Commitment.objects.filter(search_text="").exists()
    assert "secretaria ejecutiva" in Commitment.objects.get(identifier="CL0050").search_text


# --- The seed stays the seed: the sample's rows of seed commitments are left, and listed ------------

SEED_ROWS_IN_SAMPLE = ["CL0005", "CL0006", "CL0008", "CL0015", "CL0017", "CL0018"]


def seed_rows_as_stored() -> dict:
    """Every row of the seed's commitments, as the serializer writes them (links as lists of ids):
    the commitments, their milestones, sources and assessments, keyed (model, pk)."""
    commitments = Commitment.objects.filter(identifier__in=seed_identifiers())
    related = [row for commitment in commitments for row in (
        *commitment.milestones.all(), *commitment.sources.all(), *commitment.assessments.all())]
    return {(row["model"], row["pk"]): row["fields"]
            for row in json.loads(serializers.serialize("json", [*commitments, *related]))}


def test_setup_leaves_every_seed_commitment_as_the_fixture_has_it_and_names_the_rows_left(capsys):
    call_command("setup_local")
    out = capsys.readouterr().out
    # The six rows of the sample about seed commitments are named, with their lines, and not imported.
    assert "Imported 552 rows" in out and "Left 6 row(s) out" in out
    left = re.findall(r"line (\d+): (CL\d{4})", out)
    assert sorted(identifier for _line, identifier in left) == SEED_ROWS_IN_SAMPLE
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    for line, identifier in left:
        assert lines[int(line) - 1].startswith(identifier + ","), (line, identifier)
    seed = {(row["model"], row["pk"]): row["fields"] for row in json.loads(SEED.read_text())
            if row["model"] in ("commitments.commitment", "commitments.milestone", "commitments.source",
                                "reviews.assessment")}
    stored = seed_rows_as_stored()
    # No row more or less (a milestone, source or assessment of the sample's), and each field and
    # link (lead and supporting institutions, policy areas, the plan) as the fixture writes it.
    assert stored.keys() == seed.keys()
    for key, fields in seed.items():
        assert {name: stored[key][name] for name in fields} == fields, key
    for identifier in SEED_ROWS_IN_SAMPLE:
        commitment = Commitment.objects.get(identifier=identifier)
        # Never written by the import: the one baseline record of loading, at version 1.
        assert list(commitment.history.values_list("history_type", "version")) == [("+", 1)], identifier
    assert Commitment.objects.get(identifier="CL0015").starred
    # The rest of the sample is imported, Chile's own new rows too.
    assert Commitment.objects.filter(identifier__in=["CL0069", "CL0070", "CL0081"]).count() == 3


def test_import_ogp_leave_names_the_rows_and_writes_nothing_of_them(chile, capsys):
    before = seed_rows_as_stored()
    call_command("import_ogp", str(SAMPLE), "--leave", "CL0005,CL0006", "--leave", "CL0008")
    out = capsys.readouterr().out
    assert "Imported 555 rows" in out and "Left 3 row(s) out" in out
    assert re.findall(r"line \d+: (CL\d{4})", out) == ["CL0005", "CL0008", "CL0006"]  # in file order
    after = seed_rows_as_stored()
    for identifier in ("CL0005", "CL0006", "CL0008"):
        pk = Commitment.objects.get(identifier=identifier).pk
        assert after[("commitments.commitment", pk)] == before[("commitments.commitment", pk)]
    # The rows not left are imported as before: CL0015 is OGP's (its title in Spanish).
    cl0015 = Commitment.objects.get(identifier="CL0015")
    assert after[("commitments.commitment", cl0015.pk)] != before[("commitments.commitment", cl0015.pk)]
