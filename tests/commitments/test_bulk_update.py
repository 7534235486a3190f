"""Bulk updates by spreadsheet from the staff dashboard: download, edit, upload, preview, confirm."""

import csv
import datetime
import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from commitments import bulk, history, services
from commitments.bulk import COLUMNS, check_rows
from commitments.models import Commitment, Milestone
from ogptracker import xlsx
from reviews.scales import Completion
from tests.commitments.dashboard_data import days, make_desk_data, staff_of
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MilestoneFactory
from tests.test_spreadsheets import assert_made_for_people

XLSX = "/staff/aland/updates.xlsx"
CSV = "/staff/aland/updates.csv"
UPLOAD = "/staff/aland/updates/"
CONFIRM = "/staff/aland/updates/confirm/"
EVIDENCE = "https://example.org/minutes.pdf"


@pytest.fixture
def data(db):
    return make_desk_data()


@pytest.fixture
def aland_staff(data, django_user_model):
    return staff_of(django_user_model, data.aland, "aland-staff")


@pytest.fixture
def staff(client, aland_staff):
    client.force_login(aland_staff)
    return client


class Sheet:
    """The downloaded workbook, edited as a user would in a spreadsheet, by column name."""

    def __init__(self, content: bytes):
        self.workbook = load_workbook(io.BytesIO(content))
        self.sheet = self.workbook.worksheets[0]
        self.header = [cell.value for cell in self.sheet[1]]

    def row(self, identifier, milestone=None) -> int:
        for number in range(2, self.sheet.max_row + 1):
            if (self.get(number, "identifier") == identifier
                    and self.get(number, "milestone") == milestone):
                return number
        raise KeyError((identifier, milestone))

    def get(self, number, column):
        return self.sheet.cell(number, self.header.index(column) + 1).value

    def set(self, identifier, milestone=None, **values):
        number = self.row(identifier, milestone)
        for column, value in values.items():
            self.sheet.cell(number, self.header.index(column) + 1).value = value
        return number

    def add(self, **values):
        self.sheet.append([values.get(column) for column in self.header])
        return self.sheet.max_row

    def content(self) -> bytes:
        output = io.BytesIO()
        self.workbook.save(output)
        return output.getvalue()


def download(client) -> Sheet:
    response = client.get(XLSX)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="aland-updates-')
    return Sheet(response.content)


def upload(client, content: bytes, name="updates.xlsx", **extra):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)}, **extra)


def changes(response):
    return {(c.line, c.identifier, c.milestone, c.label, c.old, c.new)
            for c in response.context["check"].changes}


def refusals(response):
    return {r.line: r.reason for r in response.context["check"].refusals}


def versions():
    return dict(Commitment.objects.values_list("identifier", "version"))


def test_the_download_lists_open_commitments_and_milestones_with_their_version(staff, data):
    sheet = download(staff)
    assert sheet.header == list(COLUMNS)
    keys = [(sheet.get(n, "identifier"), sheet.get(n, "milestone"))
            for n in range(2, sheet.sheet.max_row + 1)]
    # Milestone 2 is complete: not open, not listed. Borduria's rows never are.
    assert keys == [("AL0001", None), ("AL0001", 1), ("AL0001", 3), ("AL0001", 4), ("AL0002", None),
                    ("AL0003", None)]
    number = sheet.row("AL0001", 1)
    assert sheet.get(number, "status") == "Limited" and sheet.get(number, "version") == data.current.version
    assert sheet.get(number, "note") is None and sheet.get(number, "note_evidence_url") is None


def test_the_round_trip_previews_exactly_the_changes_then_saves_them_with_notes_and_evidence(staff, data,
                                                                                             aland_staff):
    sheet = download(staff)
    first = sheet.set("AL0001", 1, status="complete", note="Data published", note_evidence_url=EVIDENCE)
    third = sheet.set("AL0001", 3, end_date=days(45), evidence_url="https://example.org/plan",
                      note="Rescheduled with the ministry")
    quiet = sheet.set("AL0002", status="inactive", note="Merged into AL0001")
    before = versions()

    preview = upload(staff, sheet.content())
    assert preview.status_code == 200
    assert changes(preview) == {
        (first, "AL0001", 1, "Status", "Limited", "Complete"),
        # The date met the rule gives it (today: the plan runs), shown before anything is saved.
        (first, "AL0001", 1, "Date met", "—", days(0).isoformat()),
        (third, "AL0001", 3, "End date", days(30).isoformat(), days(45).isoformat()),
        (third, "AL0001", 3, "Evidence link", "—", "https://example.org/plan"),
        (quiet, "AL0002", None, "Status", "Active", "Inactive"),
    }
    assert preview.context["check"].refusals == [] and preview.context["check"].unchanged == 3
    assert versions() == before  # nothing written before the confirmation
    assert Milestone.objects.get(commitment=data.current, order=1).status == Completion.LIMITED

    response = staff.post(CONFIRM, {"token": preview.context["token"]})
    assert response.status_code == 302 and response["Location"] == "/staff/?member=aland"
    assert Milestone.objects.get(commitment=data.current, order=1).status == Completion.COMPLETE
    assert Milestone.objects.get(commitment=data.current, order=3).end_date == days(45)
    assert Commitment.objects.get(identifier="AL0002").status == Commitment.Status.INACTIVE
    after = versions()
    assert after["AL0001"] == before["AL0001"] + 1 and after["AL0002"] == before["AL0002"] + 1
    assert after["AL0003"] == before["AL0003"]
    notes = {entry.note for entry in history.timeline(data.current)}
    assert {"Data published", "Rescheduled with the ministry"} <= notes
    # The evidence is kept on the change's history record, beside its note.
    record = Milestone.history.filter(id=Milestone.objects.get(commitment=data.current, order=1).pk).latest()
    assert (record.history_change_reason, record.history_evidence_url) == ("Data published", EVIDENCE)
    assert record.history_user == aland_staff
    page = staff.get("/commitments/AL0001/").content.decode()
    assert "Data published" in page and EVIDENCE in page
    # The date met follows the status, as on the edit page (services.with_completion), as previewed.
    assert Milestone.objects.get(commitment=data.current, order=1).completed_on == days(0)
    # The preview cannot be confirmed twice.
    assert staff.post(CONFIRM, {"token": preview.context["token"]}).status_code == 302
    assert versions() == after


def test_a_milestone_of_an_ended_plan_made_complete_needs_its_date_met(staff, data):
    """Today is offered only while the plan runs (services.with_completion): for a plan that ended the
    row is refused until the file gives the date met, which the preview then shows."""
    ended = ActionPlanFactory(member=data.aland, submission_year=2016, end_year=2018)
    old = CommitmentFactory(identifier="AL0009", action_plan=ended)
    MilestoneFactory(commitment=old, order=1, status=Completion.SUBSTANTIAL)
    sheet = download(staff)
    assert sheet.get(sheet.row("AL0009", 1), "completed_on") is None
    line = sheet.set("AL0009", 1, status="complete", note="Done in 2018")
    refused = upload(staff, sheet.content())
    assert refused.status_code == 400
    reason = refusals(refused)[line]
    assert "Date met" in reason and "2016-01-01 to 2018-12-31" in reason

    sheet.set("AL0009", 1, completed_on="2018-06-30")
    preview = upload(staff, sheet.content())
    assert preview.status_code == 200
    assert (line, "AL0009", 1, "Date met", "—", "2018-06-30") in changes(preview)
    assert staff.post(CONFIRM, {"token": preview.context["token"]}).status_code == 302
    assert str(Milestone.objects.get(commitment=old, order=1).completed_on) == "2018-06-30"


def test_a_file_without_the_date_met_column_is_read_as_before(staff, data):
    """A file downloaded before the column was added: its milestones' date met is the rule's."""
    header = [name for name in COLUMNS if name != "completed_on"]
    row = {"identifier": "AL0001", "milestone": "1", "status": "complete",
           "version": str(data.current.version), "note": "Published"}
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header)
    writer.writerow([row.get(name, "") for name in header])
    preview = upload(staff, output.getvalue().encode(), name="updates.csv")
    assert preview.status_code == 200
    assert (2, "AL0001", 1, "Date met", "—", days(0).isoformat()) in changes(preview)


def test_a_csv_round_trip_works_the_same(staff, data):
    response = staff.get(CSV)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("identifier")] == "AL0001" and row[header.index("milestone")] == "4":
            row[header.index("status")] = "limited"
            row[header.index("note")] = "Evaluation begun"
    output = io.StringIO()
    csv.writer(output).writerows(rows)
    preview = upload(staff, output.getvalue().encode(), name="updates.csv")
    assert {(c.identifier, c.milestone, c.new) for c in preview.context["check"].changes} == {
        ("AL0001", 4, "Limited")}
    assert staff.post(CONFIRM, {"token": preview.context["token"]}).status_code == 302
    assert Milestone.objects.get(commitment=data.current, order=4).status == Completion.LIMITED


def test_one_bad_row_among_good_ones_writes_nothing_and_each_refusal_has_its_line(staff, data):
    sheet = download(staff)
    sheet.set("AL0001", 1, status="complete", note="Data published")
    no_note = sheet.set("AL0001", 3, status="limited")
    bad_status = sheet.set("AL0001", 4, status="finished", note="Done")
    bad_date = sheet.set("AL0003", status="inactive", note="x", end_date="31/02/2026")
    other_member = sheet.add(identifier="BO0001", milestone=1, status="complete", version=1, note="Not ours")
    unknown = sheet.add(identifier="ZZ9999", status="active", version=1, note="?")
    no_milestone = sheet.add(identifier="AL0002", milestone=7, status="complete", version=1, note="?")
    before = versions()

    response = upload(staff, sheet.content())
    assert response.status_code == 400
    found = refusals(response)
    assert set(found) == {no_note, bad_status, bad_date, other_member, unknown, no_milestone}
    assert "note" in found[no_note].lower()
    assert "finished" in found[bad_status] and "complete" in found[bad_status]
    assert "Only a commitment's status" in found[bad_date]
    assert "Borduria" in found[other_member]
    assert "ZZ9999" in found[unknown]
    assert "no milestone" in found[no_milestone]
    page = response.content.decode()
    assert f"Line {no_note}:" in page and "Nothing was saved" in page
    assert response.context["token"] == "" and 'action="/staff/aland/updates/confirm/"' not in page
    assert versions() == before
    assert Milestone.objects.get(commitment=data.current, order=1).status == Completion.LIMITED


def test_bad_dates_and_links_are_refused_with_their_reason(staff, data):
    sheet = download(staff)
    date = sheet.set("AL0001", 1, end_date="soon", note="x")
    order = sheet.set("AL0001", 3, start_date=days(50), end_date=days(40), note="x")
    link = sheet.set("AL0001", 4, evidence_url="ftp://example.org/file", note="x")
    note_link = sheet.set("AL0002", status="inactive", note="x", note_evidence_url="javascript:alert(1)")
    found = refusals(upload(staff, sheet.content()))
    assert set(found) == {date, order, link, note_link}
    assert "date" in found[date].lower() and "before the start date" in found[order]
    assert "http" in found[link] and "http" in found[note_link]


def test_a_row_saved_by_someone_since_the_download_is_refused_not_merged(staff, data, aland_staff):
    sheet = download(staff)
    stale = sheet.set("AL0001", 1, status="complete", note="Data published")
    sheet.set("AL0002", status="inactive", note="Merged")
    milestone = data.current.milestones.get(order=4)
    services.commitment_update(commitment=Commitment.objects.get(pk=data.current.pk), user=aland_staff,
                               data={}, note="", expected_version=data.current.version,
                               milestones=[services.MilestoneChange(milestone=milestone,
                                                                    data={"status": Completion.LIMITED},
                                                                    note="Begun")])
    response = upload(staff, sheet.content())
    # Milestone 4's row differs from what is saved only by the other save: refused too, never undone.
    found = refusals(response)
    assert set(found) == {stale, sheet.row("AL0001", 4)}
    assert all("saved by someone since" in reason for reason in found.values())
    assert Commitment.objects.get(identifier="AL0002").status == Commitment.Status.ACTIVE


def test_a_save_between_preview_and_confirm_refuses_the_whole_file(staff, data, aland_staff):
    sheet = download(staff)
    sheet.set("AL0001", 1, status="complete", note="Data published")
    sheet.set("AL0002", status="inactive", note="Merged")
    preview = upload(staff, sheet.content())
    assert preview.context["token"]
    current = Commitment.objects.get(pk=data.current.pk)
    services.commitment_update(commitment=current, user=aland_staff, data={"status": "inactive"},
                               note="Stopped", expected_version=current.version)
    before = versions()
    response = staff.post(CONFIRM, {"token": preview.context["token"]})
    assert response.status_code == 409
    assert [r.line for r in response.context["check"].refusals] == [2, 3]
    assert all("saved by someone since" in r.reason for r in response.context["check"].refusals)
    assert versions() == before
    assert Commitment.objects.get(identifier="AL0002").status == Commitment.Status.ACTIVE


def test_a_file_that_changes_nothing_is_simply_unchanged(staff, data):
    response = upload(staff, download(staff).content())
    check = response.context["check"]
    assert response.status_code == 200 and check.changes == [] and check.refusals == []
    assert check.unchanged == 6
    assert "The file changes nothing" in response.content.decode() and response.context["token"] == ""


def test_hostile_cells_never_break_the_preview_and_are_refused_or_kept_as_text(staff, data):
    MilestoneFactory(commitment=data.current, order=5, text="=HYPERLINK(\"http://evil.example\")",
                     end_date=days(20))
    sheet = download(staff)
    number = sheet.row("AL0001", 5)
    # The download neutralised the formula: a text, not a formula, in the workbook.
    assert sheet.get(number, "title") == "'=HYPERLINK(\"http://evil.example\")"
    formula_status = sheet.set("AL0001", 1, status="=1+1", note="x")
    long_note = sheet.set("AL0001", 4, status="limited", note="n" * 5000)
    sheet.set("AL0002", status="inactive", note="<script>alert(1)</script>")
    long_identifier = sheet.add(identifier="X" * 5000, status="active", version=1, note="x")
    response = upload(staff, sheet.content())
    assert response.status_code == 400
    found = refusals(response)
    assert set(found) == {formula_status, long_note, long_identifier}
    assert "=1+1" in found[formula_status]
    assert "300" in found[long_note]
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_control_characters_in_a_csv_are_refused_with_their_position(staff, data):
    rows = list(csv.reader(io.StringIO(staff.get(CSV).content.decode())))
    header = rows[0]
    rows[2][header.index("status")] = "substantial"
    rows[2][header.index("note")] = "Begun\x07 at last\x00"
    output = io.StringIO()
    csv.writer(output).writerows(rows)
    response = upload(staff, output.getvalue().encode(), name="updates.csv")
    found = refusals(response)
    assert set(found) == {3}
    assert found[3].startswith("Public note: This text holds an invisible control character (U+0007) at "
                               "position 6: remove it.")


def test_a_formula_typed_in_a_note_is_saved_as_its_text(staff, data):
    sheet = download(staff)
    sheet.set("AL0002", status="inactive", note="=SUM(A1:A2)")
    preview = upload(staff, sheet.content())
    assert staff.post(CONFIRM, {"token": preview.context["token"]}).status_code == 302
    assert {entry.note for entry in history.timeline(Commitment.objects.get(identifier="AL0002"))} >= {
        "=SUM(A1:A2)"}


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"", "empty.csv", "The submitted file is empty."),
    (b"PK\x03\x04not a zip", "broken.xlsx", "cannot be read as an XLSX workbook"),
    ("identifier;milestone\n".encode("utf-16"), "odd.csv", "not UTF-8"),
    (b"name,other\nx,y\n", "wrong.csv", "missing: identifier, milestone, status, version, note"),
])
def test_an_unreadable_file_gets_a_clear_message(staff, data, content, name, message):
    response = upload(staff, content, name=name)
    assert response.status_code == 400 and message in response.content.decode()


def test_a_file_too_large_is_refused(staff, data):
    response = upload(staff, b"x" * (2 * 1024 * 1024 + 1), name="big.csv")
    assert response.status_code == 400 and "larger than 2 MB" in response.content.decode()


def test_a_workbook_with_too_many_rows_is_refused(staff, data):
    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    for _n in range(3001):
        workbook.active.append(["AL0001"])
    output = io.BytesIO()
    workbook.save(output)
    response = upload(staff, output.getvalue())
    assert response.status_code == 400 and "more than 3000 rows" in response.content.decode()


def test_the_upload_and_the_confirmation_need_the_csrf_token(data, aland_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(aland_staff)
    content = Sheet(client.get(XLSX).content).content()
    assert upload(client, content).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403


def test_another_members_staff_and_anonymous_visitors_may_not_use_it(client, data, django_user_model):
    assert client.get(XLSX).status_code == 302
    assert client.post(UPLOAD).status_code == 302
    client.force_login(staff_of(django_user_model, data.borduria, "borduria-staff"))
    assert client.get(XLSX).status_code == 403 and client.get(CSV).status_code == 403
    assert upload(client, b"identifier\n").status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403


def test_a_preview_is_bound_to_its_session(staff, data, aland_staff):
    sheet = download(staff)
    sheet.set("AL0002", status="inactive", note="Merged")
    preview = upload(staff, sheet.content())
    other = Client()
    other.force_login(aland_staff)
    response = other.post(CONFIRM, {"token": preview.context["token"]}, follow=True)
    assert "This preview has expired" in response.content.decode()
    assert Commitment.objects.get(identifier="AL0002").status == Commitment.Status.ACTIVE


def test_the_preview_is_in_spanish(staff, data):
    sheet = download(staff)
    sheet.set("AL0001", 3, status="limited")
    page = upload(staff, sheet.content(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "1 fila rechazada" in page and "Línea" in page


def test_a_forged_workbook_is_refused_not_a_server_error(staff, data):
    original = zipfile.ZipFile(io.BytesIO(download(staff).content()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as forged:
        for name in original.namelist():
            broken = name.startswith("xl/worksheets/")
            forged.writestr(name, b"<worksheet><sheetData><row" if broken else original.read(name))
    response = upload(staff, output.getvalue())
    assert response.status_code == 400 and "cannot be read as an XLSX workbook" in response.content.decode()


def _changed_csv(client) -> bytes:
    """The CSV download with every milestone row moved on a step, each with its note."""
    rows = list(csv.reader(io.StringIO(client.get(CSV).content.decode())))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("milestone")]:
            row[header.index("status")] = "substantial"
            row[header.index("note")] = "Moved on"
    output = io.StringIO()
    csv.writer(output).writerows(rows)
    return output.getvalue().encode()


@pytest.mark.parametrize("extra", [2, 40])
def test_the_preview_reads_the_database_in_a_fixed_number_of_queries(staff, data, extra,
                                                                     django_assert_max_num_queries):
    for n in range(extra):
        commitment = CommitmentFactory(identifier=f"GR{n:04d}", action_plan=data.current.action_plan)
        MilestoneFactory(commitment=commitment, order=1, status=Completion.LIMITED)
    content = _changed_csv(staff)
    with django_assert_max_num_queries(PREVIEW_QUERIES):
        response = upload(staff, content, name="updates.csv")
    assert len(response.context["check"].changes) == extra + 3 and response.context["token"]


# Measured: 9 for 5 changed rows and for 43 (the session, the user and their memberships, the member,
# the commitments, their milestones, the session saved).
PREVIEW_QUERIES = 9

CELLS = st.one_of(st.text(max_size=40), st.sampled_from(["", "AL0001", "BO0001", "1", "3", "complete",
                                                         "=1+1", "'=cmd", "2026-02-30", "javascript:x"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({name: CELLS for name in COLUMNS}), min_size=1, max_size=6))
def test_any_cells_are_each_a_change_a_refusal_or_unchanged(data, rows):
    rows = [{"line": line, **row} for line, row in enumerate(rows, start=2)]
    check = check_rows(data.aland, rows)
    lines = {change.line for change in check.changes} | {refusal.line for refusal in check.refusals}
    assert len(lines) + check.unchanged == len(rows)
    assert not {change.line for change in check.changes} & {refusal.line for refusal in check.refusals}


def test_stored_hostile_texts_are_neutralised_in_both_downloads(staff, data):
    # Stored past the validators (an old row, a bulk write): the downloads must still open safely.
    Commitment.objects.filter(identifier="AL0002").update(title="=cmd|' /C calc'!A0\x01")
    sheet = download(staff)
    assert sheet.get(sheet.row("AL0002"), "title") == "'=cmd|' /C calc'!A0"
    rows = list(csv.reader(io.StringIO(staff.get(CSV).content.decode())))
    titles = {row[0]: row[COLUMNS.index("title")] for row in rows[1:] if not row[1]}
    assert titles["AL0002"].startswith("'=cmd")


# The sheet made for people: labels with drop-downs, in the user's language -----------------------

LABELS = {
    "en": (["Active", "Inactive"],
           ["Withdrawn", "Unclear", "Not Started", "Limited", "Substantial", "Complete", "No data",
            "Not reviewed", "Not applicable"]),
    "es": (["Activo", "Inactivo"],
           ["Retirado", "Poco claro", "No iniciado", "Limitado", "Sustancial", "Completo", "Sin datos",
            "No revisado", "No aplica"]),
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_sheet_offers_each_status_as_a_drop_down_of_labels_in_the_users_language(staff, data, language):
    response = staff.get(XLSX, HTTP_ACCEPT_LANGUAGE=language)
    workbook = load_workbook(io.BytesIO(response.content))
    sheet, choices = workbook.worksheets
    commitment_labels, milestone_labels = LABELS[language]

    assert_made_for_people(sheet)
    assert choices.title == "Choices" and choices.sheet_state == "hidden"
    listed = list(choices.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in listed if row[0]] == commitment_labels
    assert [row[1] for row in listed] == milestone_labels
    status = COLUMNS.index("status") + 1
    # Rows 2-6: AL0001, its milestones 1, 3 and 4, AL0002, AL0003; each status written as its label.
    assert [sheet.cell(number, status).value for number in range(2, 8)] == [
        commitment_labels[0], milestone_labels[3], milestone_labels[2], milestone_labels[2],
        commitment_labels[0], commitment_labels[0]]
    validations = sheet.data_validations.dataValidation
    assert {validation.formula1: str(validation.sqref) for validation in validations} == {
        "'Choices'!$A$2:$A$3": "D2 D6:D7", "'Choices'!$B$2:$B$10": "D3:D5"}
    assert {validation.type for validation in validations} == {"list"}
    # Numbers and dates are typed cells.
    assert sheet.cell(3, COLUMNS.index("milestone") + 1).value == 1
    assert sheet.cell(3, COLUMNS.index("version") + 1).data_type == "n"
    end_date = sheet.cell(3, COLUMNS.index("end_date") + 1).value
    assert end_date == datetime.datetime.combine(days(-10), datetime.time())


@pytest.mark.parametrize(("download_language", "upload_language", "milestone", "commitment"), [
    ("es", "en", "Completo", "inactivo"),
    ("en", "es", "Complete", "Inactive"),
    ("en", "en", "COMPLETO", "INACTIVO"),
    ("es", "es", "complete", "inactive"),
    ("en", "en", "  completo ", "Inactívo"),
])
def test_labels_round_trip_in_either_language_any_case_or_accents(staff, data, download_language,
                                                                  upload_language, milestone, commitment):
    sheet = Sheet(staff.get(XLSX, HTTP_ACCEPT_LANGUAGE=download_language).content)
    first = sheet.set("AL0001", 1, status=milestone, note="Data published")
    quiet = sheet.set("AL0002", status=commitment, note="Merged into AL0001")

    preview = upload(staff, sheet.content(), HTTP_ACCEPT_LANGUAGE=upload_language)
    assert preview.status_code == 200, refusals(preview)
    assert {(change.line, change.identifier) for change in preview.context["check"].changes} == {
        (first, "AL0001"), (quiet, "AL0002")}
    # Every other row, its status a label of the download's language, is read as unchanged.
    assert preview.context["check"].unchanged == 4

    staff.post(CONFIRM, {"token": preview.context["token"]}, HTTP_ACCEPT_LANGUAGE=upload_language)
    assert Milestone.objects.get(commitment=data.current, order=1).status == Completion.COMPLETE
    assert Commitment.objects.get(identifier="AL0002").status == Commitment.Status.INACTIVE


def test_an_unknown_status_names_the_labels_and_values_it_may_take(staff, data):
    sheet = download(staff)
    bad = sheet.set("AL0001", 1, status="Finished", note="x")
    page = upload(staff, sheet.content(), HTTP_ACCEPT_LANGUAGE="es")

    reason = refusals(page)[bad]
    assert "Finished" in reason and "Completo" in reason and "complete" in reason


# Bounded work per upload (issue 23, point 1): refused before a row is read ------------------------

def _zipped(sheet_xml: str, extra: dict | None = None) -> bytes:
    """A workbook made as a forger would: a real download with its first sheet replaced."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", xlsx._content_types(1))
        package.writestr("_rels/.rels", xlsx._package_rels())
        package.writestr("xl/workbook.xml", xlsx._workbook([xlsx.Sheet("S", ["a"], [])], [("A", 1, "A", 1)]))
        package.writestr("xl/_rels/workbook.xml.rels", xlsx._workbook_rels(1))
        package.writestr("xl/styles.xml", xlsx.STYLES)
        package.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, content in (extra or {}).items():
            package.writestr(name, content)
    return output.getvalue()


SHEET = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}'
         "<sheetData>{rows}</sheetData></worksheet>")


@pytest.mark.parametrize(("name", "content", "message"), [
    # The file: 336 KB, 114 MB unpacked.
    ("3,000,000 cells in a row", lambda: _zipped(SHEET.format(
        dimension="", rows="<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 3_000_000 + "</row>")),
     "unpacks to more than 20 MB"),
    ("300,000 cells in a row", lambda: _zipped(SHEET.format(
        dimension="", rows="<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 300_000 + "</row>")),
     "has more than 64 cells"),
    ("a dimension claiming every column", lambda: _zipped(SHEET.format(
        dimension='<dimension ref="A1:XFD2"/>', rows="<row><c><v>1</v></c></row>")),
     "has more than 64 cells"),
    ("a dimension claiming a million rows", lambda: _zipped(SHEET.format(
        dimension='<dimension ref="A1:J1048576"/>', rows="<row><c><v>1</v></c></row>")),
     "more than 3000 rows"),
    ("a cell of 10,000,000 characters", lambda: _zipped(SHEET.format(
        dimension="", rows='<row><c t="inlineStr"><is><t>' + "x" * 10_000_000 + "</t></is></c></row>")),
     "more than 32767 characters"),
    ("200 MB unpacked", lambda: _zipped(SHEET.format(dimension="", rows=""),
                                        {"xl/media/padding.bin": b"\0" * (200 * 1024 * 1024)}),
     "unpacks to more than 20 MB"),
])
def test_a_workbook_beyond_the_bounds_is_refused_quickly_in_little_memory(staff, data, name, content,
                                                                          message):
    made = content()
    assert len(made) <= bulk.MAX_UPLOAD_BYTES, (name, len(made))
    started = time.perf_counter()
    response = upload(staff, made)
    seconds = time.perf_counter() - started
    # Memory apart: tracing every allocation slows the request down several times.
    tracemalloc.start()
    try:
        upload(staff, made)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert response.status_code == 400 and message in response.content.decode(), name
    assert seconds < 2, (name, seconds)
    assert peak < 100 * 1024 * 1024, (name, peak)
