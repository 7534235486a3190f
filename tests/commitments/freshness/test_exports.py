"""The kept CSV and JSON exports (commitments/freshness/exports.py): a hit gives the bytes a miss sent,
and after any write the next export is the one made afresh (the data version moved with it)."""

import datetime
import os

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import FileResponse, StreamingHttpResponse

from commitments import bulk, services
from commitments.freshness import exports as export_cache
from commitments.models import ActionPlan, Commitment, Institution, Member
from commitments.ogp import extra
from commitments.views import downloads
from reviews.models import Assessment, IRMReport
from tests.commitments.factories import MilestoneFactory
from tests.commitments.ogp.test_import import run_import, subset, to_csv, write_file

CHILE = ["CL0005", "CL0006", "CL0008", "CL0015", "CL0017", "CL0018", "CL0069", "CL0070", "CL0081"]
URLS = ["/commitments/export.csv", "/commitments/export.json", "/commitments/export.csv?member=chile",
        "/commitments/export.json?status=active&sort=-identifier"]
# Queries of a hit: the data version and the filter's lookups of the values given (a member's slug).
HIT_QUERIES = 3


@pytest.fixture
def sample(db, tmp_path):
    """Chile's rows of OGP's sample and a few others: members, plans, institutions, policy areas,
    IRM reports and assessments, as an import writes them."""
    header, records = subset(set(CHILE) | {"NZ0010", "CR0073", "AL0002", "UY0160"})
    run_import(write_file(tmp_path, to_csv(header, records)))


@pytest.fixture
def kept(settings, tmp_path):
    """The exports kept in a directory of this test's own."""
    settings.EXPORT_CACHE_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


def body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def kept_files(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def fresh(client, settings, url) -> bytes:
    """The export made from the database, no file kept or read."""
    location, settings.EXPORT_CACHE_DIR = settings.EXPORT_CACHE_DIR, ""
    try:
        return body(client.get(url))
    finally:
        settings.EXPORT_CACHE_DIR = location


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_a_hit_is_the_bytes_and_headers_of_the_miss(client, sample, kept, url):
    miss = client.get(url)
    assert isinstance(miss, StreamingHttpResponse) and not isinstance(miss, FileResponse)
    sent = body(miss)
    hit = client.get(url)
    assert isinstance(hit, FileResponse)
    assert body(hit) == sent
    for header in ("Content-Type", "Content-Disposition"):
        assert hit[header] == miss[header]
    assert miss["Content-Disposition"].startswith('attachment; filename="ogptracker-commitments-')
    assert len(kept_files(kept)) == 1


@pytest.mark.django_db
def test_a_hit_equals_an_export_made_afresh(client, settings, sample, kept):
    for url in URLS:
        body(client.get(url))
        assert body(client.get(url)) == fresh(client, settings, url)


@pytest.mark.django_db
def test_the_same_state_spelt_otherwise_is_one_file_two_states_two(client, sample, kept):
    body(client.get("/commitments/export.csv?status=active&member=chile"))
    body(client.get("/commitments/export.csv?member=chile&status=active&unknown=1&page=3"))
    assert len(kept_files(kept)) == 1
    body(client.get("/commitments/export.csv?member=chile"))
    body(client.get("/commitments/export.json?member=chile"))
    assert len(kept_files(kept)) == 3


@pytest.mark.django_db
def test_a_hit_reads_only_the_version(client, sample, kept, django_assert_max_num_queries):
    for url in URLS:
        body(client.get(url))
        with django_assert_max_num_queries(HIT_QUERIES):
            assert isinstance(client.get(url), FileResponse)


@pytest.mark.django_db
def test_a_client_gone_mid_export_leaves_no_file(client, rf, sample, kept, monkeypatch):
    monkeypatch.setattr("commitments.ogp.exporting.FLUSH_SIZE", 100)  # several pieces
    # The view as a WSGI server calls it (the test client's own closing would close the test's
    # database connection at the request's end: test/client.py, closing_iterator_wrapper).
    response = downloads.export_csv(rf.get("/commitments/export.csv"))
    next(iter(response.streaming_content))
    assert [name for name in kept_files(kept) if name.startswith(export_cache.PARTIAL)]
    # The client disconnects: the server stops iterating and closes the response.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert kept_files(kept) == []
    assert isinstance(client.get("/commitments/export.csv"), StreamingHttpResponse)  # a miss again


@pytest.mark.django_db
def test_an_error_mid_export_leaves_no_file(client, sample, kept, monkeypatch):
    def failing(queryset, chunk_size=None):
        yield "\ufeffIdentifier\r\n"
        raise RuntimeError("the database went away")

    monkeypatch.setattr("commitments.ogp.exporting.csv_chunks", failing)
    response = client.get("/commitments/export.csv")
    with pytest.raises(RuntimeError):
        body(response)
    assert kept_files(kept) == []


@pytest.mark.django_db
def test_the_size_cap_evicts_the_oldest_and_keeps_none_larger(client, settings, sample, kept):
    first = body(client.get("/commitments/export.csv?member=chile"))
    settings.EXPORT_CACHE_MAX_BYTES = len(first) + 10  # that one, or a smaller one, not both
    (only,) = kept_files(kept)
    os.utime(kept / only, (1, 1))  # older than what follows
    body(client.get("/commitments/export.csv?member=chile&status=active"))
    names = kept_files(kept)
    assert len(names) == 1 and names != [only]  # the older went: both would exceed the cap
    settings.EXPORT_CACHE_MAX_BYTES = 100
    sent = body(client.get("/commitments/export.csv"))  # larger than the cap: sent whole, not kept
    assert sent == fresh(client, settings, "/commitments/export.csv")
    assert kept_files(kept) == names


@pytest.mark.django_db
def test_a_new_version_removes_the_files_of_the_others(client, sample, kept):
    body(client.get("/commitments/export.csv"))
    body(client.get("/commitments/export.json"))
    assert len(kept_files(kept)) == 2
    commitment = Commitment.objects.get(identifier="CL0005")
    commitment.description = "Described again"
    commitment.save()
    body(client.get("/commitments/export.csv"))
    assert len(kept_files(kept)) == 1


@pytest.mark.django_db
def test_a_directory_that_cannot_be_written_still_gives_the_export(client, settings, sample, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    settings.EXPORT_CACHE_DIR = str(tmp_path / "a-file" / "exports")
    assert body(client.get("/commitments/export.csv")) == fresh(client, settings, "/commitments/export.csv")


# After each kind of write, the next export is the one made afresh ---------------------------------

def _service_save(identifier, **values):
    commitment = Commitment.objects.get(identifier=identifier)
    for name, value in values.items():
        setattr(commitment, name, value)
    services.commitment_save(commitment=commitment, user=None, note="A test of the kept exports",
                             expected_version=commitment.version)


def _status(**_):
    commitment = Commitment.objects.get(identifier="CL0005")
    _service_save("CL0005", status="inactive" if commitment.status == "active" else "active")


def _date_only(**_):
    _service_save("CL0006", end_date=datetime.date(2031, 5, 17), end_date_text="")


def _ogp_extra_only(**_):
    commitment = Commitment.objects.get(identifier="CL0008")
    _service_save("CL0008", ogp_extra={**commitment.ogp_extra, extra.KEPT_COLUMNS[0]: "A kept cell"})


def _title(**_):
    _service_save("CL0015", title="A title corrected")


def _milestone(**_):
    milestone = MilestoneFactory(commitment=Commitment.objects.get(identifier="CL0017"))
    milestone.title = "A milestone renamed"
    milestone.save()


def _assessment(**_):
    assessment = Assessment.objects.filter(commitment__identifier__startswith="CL").first()
    assessment.cluster = "A cluster renamed"
    assessment.save()


def _report(**_):
    report = IRMReport.objects.filter(assessments__commitment__identifier__startswith="CL").first()
    report.publication_year = (report.publication_year or 2020) + 1
    report.save()


def _plan(**_):
    plan = ActionPlan.objects.filter(member__slug="chile").first()
    plan.end_year = (plan.end_year or 2020) + 3
    plan.save()


def _member(**_):
    member = Member.objects.get(slug="chile")
    member.name = "Chile renamed"
    member.save()


def _institution(**_):
    institution = Institution.objects.filter(led_commitments__isnull=False).first()
    institution.name = "An institution renamed"
    institution.save()


def _policy_area(**_):
    commitment = Commitment.objects.filter(identifier__startswith="CL", policy_areas__isnull=False).first()
    commitment.policy_areas.remove(commitment.policy_areas.first())


def _delete(**_):
    Commitment.objects.get(identifier="CL0069").delete()


def _import(tmp_path, **_):
    header, records = subset({"CL0070"})
    records[0][header.index("Commitment Title")] = "A title imported again"
    run_import(write_file(tmp_path, to_csv(header, records), name="again.csv"))


def _bulk_update(user, **_):
    commitment = Commitment.objects.get(identifier="CL0081")
    status = "inactive" if commitment.status == "active" else "active"
    row = {name: "" for name in bulk.COLUMNS} | {
        "line": 2, "identifier": "CL0081", "status": status,
        "version": str(commitment.version), "note": "A bulk update of the kept exports"}
    check = bulk.check_rows(commitment.action_plan.member, [row])
    assert check.can_confirm, check.refusals
    bulk.apply(check, user=user)


WRITES = {
    "status": _status, "date only": _date_only, "ogp_extra only": _ogp_extra_only, "title": _title,
    "milestone": _milestone, "assessment": _assessment, "report": _report, "plan": _plan,
    "member": _member, "institution rename": _institution, "policy area": _policy_area,
    "delete": _delete, "import": _import, "bulk update": _bulk_update,
}
# Writes an export does not show (milestones are not among OGP's columns): the export must still
# be right, it need not differ.
NOT_EXPORTED = {"milestone"}


@pytest.mark.django_db
@pytest.mark.parametrize("write", list(WRITES))
def test_after_each_write_the_next_export_is_made_afresh(client, settings, sample, kept, tmp_path, superuser,
                                                        write):
    before = {}
    for url in URLS:
        before[url] = body(client.get(url))
        assert isinstance(client.get(url), FileResponse)  # kept
    WRITES[write](tmp_path=tmp_path, user=superuser)
    changed = False
    for url in URLS:
        served = body(client.get(url))
        assert served == fresh(client, settings, url), url
        assert body(client.get(url)) == served, url  # and then kept
        changed |= served != before[url]
    assert changed or write in NOT_EXPORTED


@pytest.mark.django_db(transaction=True)
def test_a_write_rolled_back_keeps_the_kept_export(client, sample, kept):
    from django.db import transaction

    body(client.get("/commitments/export.csv"))
    with pytest.raises(RuntimeError), transaction.atomic():
        _title()
        raise RuntimeError("rolled back")
    assert isinstance(client.get("/commitments/export.csv"), FileResponse)
