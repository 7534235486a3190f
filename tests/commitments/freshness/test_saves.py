"""What a save does (freshness/saves.py RECEIVERS) and bulk_write(), the bulk writers' entry point."""

import re
from pathlib import Path

import pytest

from commitments.freshness import saves, versions
from commitments.models import Commitment, Milestone
from commitments.search import build_search_text
from commitments.stored import institution_names
from reviews.models import Assessment

ARCHITECTURE = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"


def documented_table() -> list[tuple[str, str, str]]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split("<!-- saves-table -->")[1].split("<!-- /saves-table -->")[0]
    rows = [[cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
            for line in table.strip().splitlines()[2:]]
    return [tuple(row) for row in rows]


def test_the_architecture_page_shows_the_table_the_code_runs():
    assert documented_table() == saves.table()


def test_each_model_and_signal_has_one_receiver_of_ours():
    pairs = [(signal, sender) for signal, sender, _steps in saves.RECEIVERS]
    assert len(pairs) == len(set(pairs))
    for signal, sender, _steps in saves.RECEIVERS:
        keys = [entry[0] for entry in signal.receivers if entry[0][1] == id(sender)]
        assert len([key for key in keys if str(key[0]).startswith("freshness:")]) == 1, (signal, sender)
        # None connected elsewhere by the project (simple_history's own have no dispatch_uid).
        assert [key for key in keys if isinstance(key[0], str) and not key[0].startswith("freshness:")] == []


@pytest.mark.django_db
def test_bulk_write_refreshes_what_it_names_and_moves_every_token(chile):
    commitment = Commitment.objects.get(identifier="CL0050")
    before = versions.versions()
    with saves.bulk_write() as written:
        Commitment.objects.filter(pk=commitment.pk).update(title="Agua potable rural para todos")
        Milestone.objects.filter(commitment=commitment).update(status="complete")
        written.commitments([commitment.pk], ratings=False)
    commitment.refresh_from_db()
    assert commitment.search_text == build_search_text(commitment, institution_names(commitment))
    assert "agua potable rural" in commitment.search_text
    assert commitment.milestones_complete == commitment.milestones_counted > 0
    after = versions.versions()
    assert (after.token, after.text_token, after.record_token) != (before.token, before.text_token,
                                                                  before.record_token)
    assert written.search_texts_changed == 1


@pytest.mark.django_db
def test_bulk_write_moves_the_version_even_when_the_writer_names_nothing(chile):
    version = versions.data_version()
    with saves.bulk_write():
        Assessment.objects.filter(commitment__identifier="CL0050").update(did_it_open_government="major")
    assert versions.data_version() != version


@pytest.mark.django_db
def test_a_bulk_write_that_fails_leaves_data_and_version_as_they_were(chile):
    version, title = versions.data_version(), Commitment.objects.get(identifier="CL0050").title
    with pytest.raises(RuntimeError), saves.bulk_write() as written:
        Commitment.objects.filter(identifier="CL0050").update(title="Half written")
        written.commitments()
        raise RuntimeError("the writer fails")
    assert versions.data_version() == version
    assert Commitment.objects.get(identifier="CL0050").title == title


@pytest.mark.django_db
def test_a_milestone_save_refreshes_its_counts_and_moves_the_milestones_token_alone(chile):
    """A milestone's save (its row of RECEIVERS): its commitment's stored counts, and the milestones'
    token alone (no other token moves, so no other count is recounted)."""
    milestone = Milestone.objects.filter(commitment__identifier="CL0050").order_by("pk").first()
    before = versions.versions()
    milestone.status = "complete" if milestone.status != "complete" else "not-started"
    milestone.save()
    after = versions.versions()
    assert after.token == before.token and after.text_token == before.text_token
    moved = {group for group, token in after.column_tokens.items()
             if before.column_tokens.get(group) != token}
    assert moved == {"milestones"}
    counted = Commitment.objects.values_list("milestones_complete", flat=True).get(identifier="CL0050")
    assert counted == Milestone.objects.filter(commitment__identifier="CL0050", status="complete").count()


def test_every_step_is_named_in_the_architecture_page():
    """Each step the table names is explained in the prose under it (by name or as remember_*)."""
    text = ARCHITECTURE.read_text(encoding="utf-8").split("<!-- /saves-table -->")[1]
    for _model, _signal, steps in saves.table():
        for step in steps.split(", "):
            assert step in text or re.match(r"remember_|history\.", step), step
