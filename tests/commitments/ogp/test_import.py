"""import_ogp and the admin's import: OGP's commitments export in, all rows or none."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from commitments.models import ActionPlan, Commitment, Institution, Member, PolicyArea
from reviews.models import Assessment, IRMReport
from tests.html_forms import form_data

# 558 real rows of OGP's commitments export (a copy of ../shared/domain's, so a clone tests alone).
SAMPLE = Path(settings.BASE_DIR) / "tests" / "data" / "ogp-commitments-open-parliament-sample.csv"
IMPORT_URL = "/admin/commitments/commitment/import/"
CONFIRM_URL = "/admin/commitments/commitment/import/confirm/"


def sample_table():
    """The sample's header and records, as csv reads them."""
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def sample_record(identifier):
    header, records = sample_table()
    return dict(zip(header, next(r for r in records if r[0] == identifier), strict=True))


def to_csv(header, records, *, lineterminator="\r\n", bom=False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(records)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def record_lines(header, records) -> list[int]:
    """The physical line on which each record starts (the header is line 1)."""
    lines, line = [], 2
    for record in records:
        lines.append(line)
        out = io.StringIO(newline="")
        csv.writer(out).writerow(record)
        line += out.getvalue().count("\n")
    return lines


def run_import(path, *args) -> str:
    out = io.StringIO()
    call_command("import_ogp", str(path), *args, stdout=out)
    return out.getvalue()


def write_file(tmp_path, data: bytes, name="ogp.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def subset(identifiers):
    header, records = sample_table()
    return header, [record for record in records if record[0] in identifiers]


def nothing_written():
    return not (Commitment.objects.exists() or Member.objects.exists() or ActionPlan.objects.exists()
                or Institution.objects.exists() or PolicyArea.objects.exists() or IRMReport.objects.exists())


# The sample -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_importing_the_sample_creates_its_commitments_members_and_plans():
    output = run_import(SAMPLE)

    assert Commitment.objects.count() == 558
    assert Member.objects.count() == 75
    assert ActionPlan.objects.count() == 214
    # One area per policy-area column some row is tagged with (5 of the 86 columns are all 0).
    assert PolicyArea.objects.count() == 81
    assert PolicyArea.objects.get(slug="open-parliaments").name == "Open Parliaments"
    assert not PolicyArea.objects.filter(slug="climate-finance").exists()
    assert "commitments: 558 created, 0 updated" in output
    assert Member.objects.get(slug="chile").code == "CHL"
    assert Member.objects.get(slug="buenos-aires-argentina").kind == Member.Kind.LEGACY_LOCAL


@pytest.mark.django_db
def test_a_chilean_row_of_the_new_irm_model_is_imported_field_by_field():
    run_import(SAMPLE)

    commitment = Commitment.objects.get(identifier="CL0069")
    plan = commitment.action_plan
    assert (plan.ogp_id, plan.number, plan.submission_year, plan.end_year, plan.title) == (
        "AP_CHL05", 5, 2020, 2022, "Chile Action Plan 2020-2022")
    assert (plan.member.name, plan.member.region, plan.member.kind) == ("Chile", "Americas", "National")
    assert commitment.number == "9"
    assert commitment.title.startswith("Diseño de plataforma integrada e interoperable")
    assert commitment.short_title == "Design integrated legislative information platform"
    assert commitment.theme == ""  # "NA" in the export
    assert (commitment.start_date, commitment.start_date_text) == (datetime.date(2021, 3, 1), "3/1/2021")
    assert (commitment.end_date, commitment.end_date_text) == (datetime.date(2022, 6, 30), "6/30/2022")
    assert commitment.lead_institution.name == "Congreso Nacional de Chile"
    assert commitment.status == Commitment.Status.INACTIVE
    assert commitment.ogp_url == "https://opengovpartnership.org/members/chile/commitments/cl0069"
    assert set(commitment.policy_areas.values_list("slug", flat=True)) == {
        "open-parliaments", "open-data", "public-participation", "participation-in-lawmaking",
        "access-to-information"}
    review = commitment.assessments.get(report__kind=IRMReport.Kind.ACTION_PLAN_REVIEW)
    assert (review.report.publication_year, review.verifiable, review.potential_for_results,
            review.cluster) == (2021, "yes", "substantial", "CL0069, CL0070")
    results = commitment.assessments.get(report__kind=IRMReport.Kind.RESULTS)
    assert (results.report.publication_year, results.completion, results.did_it_open_government) == (
        2023, "limited", "no-early-results-to-report-yet")
    assert commitment.ogp_extra["id"] == "5338"
    assert commitment.ogp_extra["Binding constraint"] == "Cmpl"


@pytest.mark.django_db
def test_a_row_with_a_multiline_spanish_text_is_imported_unchanged():
    run_import(SAMPLE)
    row = sample_record("CR0073")

    commitment = Commitment.objects.get(identifier="CR0073")
    assert commitment.description == row["Full Text"]
    assert commitment.description.count("\n") == 72
    assert commitment.title == "Revisión y actualización de la Política de Parlamento Abierto"
    assert commitment.theme == "Parlamento Abierto"
    assert commitment.carried_forward == "NR"
    assert commitment.status == Commitment.Status.ACTIVE
    # Every rating is NR: no IRM report reviewed it, so it has no assessment.
    assert not commitment.assessments.exists()
    assert set(commitment.supporting_institutions.values_list("name", flat=True)) >= {
        "Asamblea Legislativa", "Organizaciones de Mujeres"}


@pytest.mark.django_db
def test_an_older_plan_row_gets_progress_and_end_of_term_assessments():
    run_import(SAMPLE)

    commitment = Commitment.objects.get(identifier="NZ0010")
    progress = commitment.assessments.get(report__kind=IRMReport.Kind.PROGRESS)
    assert (progress.report.publication_year, progress.specificity, progress.verifiable,
            progress.access_to_information, progress.civic_participation, progress.technology_innovation,
            progress.potential_impact, progress.completion, progress.starred) == (
        2018, "high", "yes", "yes", "no", "yes", "transformative", "substantial", "yes")
    final = commitment.assessments.get(report__kind=IRMReport.Kind.END_OF_TERM)
    assert (final.report.publication_year, final.completion, final.change_in_completion,
            final.did_it_open_government, final.open_government_access_to_information,
            final.open_government_civic_participation, final.starred) == (
        2019, "complete", "increase", "marginal", "marginal", "not-applicable", "yes")
    assert commitment.carried_forward == "yes"
    assert commitment.starred is True
    assert commitment.access_to_information and commitment.technology_innovation
    assert not commitment.civic_participation


@pytest.mark.django_db
def test_the_import_fills_the_search_text():
    run_import(SAMPLE)

    assert Commitment.objects.filter(search_text="").count() == 0
    assert "congreso nacional de chile" in Commitment.objects.get(identifier="CL0069").search_text


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing():
    run_import(SAMPLE)
    before = list(Commitment.objects.values_list("identifier", "version", "updated_at"))
    history_before = Commitment.history.count(), Assessment.history.count()

    output = run_import(SAMPLE)

    assert "0 created, 0 updated" in output.splitlines()[-1]
    assert list(Commitment.objects.values_list("identifier", "version", "updated_at")) == before
    assert (Commitment.history.count(), Assessment.history.count()) == history_before


@pytest.mark.django_db
def test_a_changed_cell_updates_only_its_record_and_records_history(tmp_path):
    header, records = subset({"NZ0010", "CL0069"})
    run_import(write_file(tmp_path, to_csv(header, records)))
    column = header.index("Completion (End Of Term)")
    records[[r[0] for r in records].index("NZ0010")][column] = "Limited"

    output = run_import(write_file(tmp_path, to_csv(header, records), "changed.csv"))

    assert "assessments: 0 created, 1 updated" in output
    assert "commitments: 0 created, 0 updated" in output
    final = Assessment.objects.get(commitment__identifier="NZ0010", report__kind=IRMReport.Kind.END_OF_TERM)
    assert final.completion == "limited"
    assert final.history.first().history_change_reason == "Imported from OGP's commitments data"


@pytest.mark.django_db
def test_changed_institutions_and_policy_areas_replace_the_old_ones(tmp_path):
    header, records = subset({"NZ0010", "CL0069"})
    run_import(write_file(tmp_path, to_csv(header, records)))
    for record in records:
        record[header.index("Supporting Institution(s)")] = "Ministry A; Ministry B"
        record[header.index("Open Parliaments")] = "0"

    output = run_import(write_file(tmp_path, to_csv(header, records), "changed.csv"))

    assert "commitments: 0 created, 2 updated" in output
    for commitment in Commitment.objects.all():
        assert set(commitment.supporting_institutions.values_list("name", flat=True)) == {
            "Ministry A", "Ministry B"}
        assert not commitment.policy_areas.filter(slug="open-parliaments").exists()
        assert commitment.version == 2


@pytest.mark.django_db
def test_lf_line_endings_without_bom_import_the_same(tmp_path):
    header, records = sample_table()
    path = write_file(tmp_path, to_csv(header, records, lineterminator="\n", bom=False))

    run_import(path)

    assert Commitment.objects.count() == 558
    assert Commitment.objects.get(identifier="CR0073").description == sample_record("CR0073")["Full Text"]


@pytest.mark.django_db
def test_the_formula_mark_of_an_export_is_taken_off(tmp_path):
    header, records = subset({"NZ0010", "CL0069"})
    title = header.index("Commitment Title")
    records[0][title] = "'=HYPERLINK(\"http://evil\")"
    records[1][title] = "'Quoted, not a formula"

    run_import(write_file(tmp_path, to_csv(header, records)))

    titles = dict(Commitment.objects.values_list("identifier", "title"))
    assert titles[records[0][0]] == "=HYPERLINK(\"http://evil\")"
    assert titles[records[1][0]] == "'Quoted, not a formula"


@pytest.mark.django_db
def test_columns_ogp_does_not_export_are_kept_in_ogp_extra(tmp_path):
    header, records = subset({"CL0069"})
    header, records = header + ["Reviewer notes"], [record + ["check the cluster"] for record in records]

    output = run_import(write_file(tmp_path, to_csv(header, records)))

    assert "columns kept in ogp_extra, not modelled: Reviewer notes" in output
    assert Commitment.objects.get(identifier="CL0069").ogp_extra["Reviewer notes"] == "check the cluster"


# Refused files ----------------------------------------------------------------------------------

def refused_message(path, *args) -> str:
    with pytest.raises(CommandError) as refused:
        run_import(path, *args)
    return str(refused.value)


@pytest.mark.django_db
def test_an_unknown_scale_value_refuses_the_whole_file_with_line_column_and_reason(tmp_path):
    header, records = sample_table()
    records = records[:40]
    bad = 30
    records[bad][header.index("Completion (Progress Report)")] = "Mostly done"
    line = record_lines(header, records)[bad]
    assert line > bad + 2  # multi-line texts before it: the line is the physical one

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert f"line {line}, Completion (Progress Report): 'Mostly done' is not a value of Completion" in message
    assert nothing_written()


@pytest.mark.django_db
def test_every_bad_row_is_reported(tmp_path):
    header, records = sample_table()
    records = records[:20]
    records[3][header.index("Specificity")] = "Very high"
    records[9][header.index("Year Of Submission")] = "twenty"
    lines = record_lines(header, records)

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert f"line {lines[3]}, Specificity: 'Very high' is not a value of Specificity" in message
    assert f"line {lines[9]}, Year Of Submission: 'twenty' is not a whole number" in message
    assert "2 bad row(s)" in message
    assert nothing_written()


@pytest.mark.django_db
def test_an_empty_identifier_refuses_the_file(tmp_path):
    header, records = sample_table()
    records = records[:5]
    records[2][0] = "  "
    line = record_lines(header, records)[2]

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert f"line {line}, Commitment Unique Identifier: is empty" in message
    assert nothing_written()


@pytest.mark.django_db
def test_a_duplicate_identifier_refuses_the_file(tmp_path):
    header, records = sample_table()
    records = records[:5] + [list(records[1])]
    lines = record_lines(header, records)

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert (f"line {lines[5]}, Commitment Unique Identifier: {records[1][0]} is already on line {lines[1]}"
            in message)
    assert nothing_written()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    header, records = subset({"CL0069", "CR0073"})
    data = to_csv(header, records).decode("utf-8").encode("latin-1", errors="replace")

    message = refused_message(write_file(tmp_path, data))

    assert "is not UTF-8 text" in message
    assert nothing_written()


@pytest.mark.django_db
def test_missing_required_columns_refuse_the_file(tmp_path):
    header, records = subset({"CL0069"})
    drop = header.index("Action Plan ID")
    header, records = header[:drop] + header[drop + 1:], [r[:drop] + r[drop + 1:] for r in records]

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert "line 1, Action Plan ID: required column is missing" in message
    assert nothing_written()


@pytest.mark.django_db
def test_a_row_with_too_few_fields_refuses_the_file(tmp_path):
    header, records = subset({"CL0069", "CL0070"})
    records[1] = records[1][:100]
    line = record_lines(header, records)[1]

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert f"line {line}: has 100 fields where the header has 171" in message
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(("column", "character"), [
    ("Short Title", "\x00"), ("Commitment Title", "\x01"), ("Full Text", "\x0b"),
    ("Theme", "\x7f"), ("Binding constraint", "\x85")])  # the last one only kept in ogp_extra
def test_a_control_character_in_any_cell_refuses_the_file(tmp_path, column, character):
    header, records = subset({"CL0069", "CL0070"})
    records[1][header.index(column)] = f"Broken{character}text"
    line = record_lines(header, records)[1]

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert (f"line {line}, {column}: contains the control character U+{ord(character):04X}; "
            f"only tab and newline may be in a text") in message
    assert nothing_written()


@pytest.mark.django_db
def test_a_missing_file_is_a_command_error(tmp_path):
    message = refused_message(tmp_path / "nowhere.csv")

    assert "Cannot read" in message


@pytest.mark.django_db
def test_a_refused_file_leaves_existing_data_untouched(chile, tmp_path):
    header, records = subset({"CL0069", "CL0070"})
    records[1][header.index("Potential for Results")] = "Huge"
    before = list(Commitment.objects.values_list("identifier", "version", "title"))

    refused_message(write_file(tmp_path, to_csv(header, records)))

    assert list(Commitment.objects.values_list("identifier", "version", "title")) == before
    assert not Commitment.objects.filter(identifier="CL0069").exists()


# Dry run ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_dry_run_reports_what_would_be_created_and_writes_nothing():
    output = run_import(SAMPLE, "--dry-run")

    assert "Would import 558 rows" in output
    assert "commitments: 558 created, 0 updated" in output
    assert nothing_written()


@pytest.mark.django_db
def test_dry_run_reports_updates_without_making_them(tmp_path):
    header, records = subset({"NZ0010", "CL0069"})
    run_import(write_file(tmp_path, to_csv(header, records)))
    records[0][header.index("Commitment Title")] = "A new title"

    output = run_import(write_file(tmp_path, to_csv(header, records), "changed.csv"), "--dry-run")

    assert "commitments: 0 created, 1 updated" in output
    assert not Commitment.objects.filter(title="A new title").exists()


@pytest.mark.django_db
def test_dry_run_of_a_bad_file_reports_the_refused_rows(tmp_path):
    header, records = subset({"NZ0010", "CL0069"})
    records[1][header.index("Verifiable")] = "Maybe"

    message = refused_message(write_file(tmp_path, to_csv(header, records)), "--dry-run")

    assert f"line {record_lines(header, records)[1]}, Verifiable: 'Maybe' is not a value of YesNo" in message
    assert nothing_written()


# The admin: upload, preview, confirm ------------------------------------------------------------

def upload(data: bytes, name="ogp.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def post_form(client, url, html, form_id, **files):
    return client.post(url, {**form_data(html, form_id), **files})


def test_the_commitment_list_of_the_admin_links_to_the_import(admin_client):
    response = admin_client.get(reverse("admin:commitments_commitment_changelist"))

    assert response.status_code == 200
    assert IMPORT_URL in response.content.decode()
    assert "Import OGP data" in response.content.decode()


def test_upload_shows_a_preview_and_confirm_imports(importer_client, importer):
    header, records = subset({"NZ0010", "CL0069", "CR0073"})
    page = importer_client.get(IMPORT_URL).content.decode()

    preview = post_form(importer_client, IMPORT_URL, page, "import-upload-form",
                        file=upload(to_csv(header, records)))

    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Preview: what the import would change" in html
    assert "<th scope=\"row\">Commitments</th><td>3</td><td>0</td>" in html
    assert not Commitment.objects.exists()

    confirmed = post_form(importer_client, CONFIRM_URL, html, "import-confirm-form")

    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("admin:commitments_commitment_changelist")
    assert set(Commitment.objects.values_list("identifier", flat=True)) == {"NZ0010", "CL0069", "CR0073"}
    assert Commitment.objects.get(identifier="CL0069").history.first().history_user == importer


def test_a_refused_upload_lists_each_bad_row_and_offers_no_confirmation(importer_client):
    header, records = subset({"NZ0010", "CL0069", "CR0073"})
    records[2][header.index("Completion (End Of Term)")] = "Half"
    page = importer_client.get(IMPORT_URL).content.decode()

    preview = post_form(importer_client, IMPORT_URL, page, "import-upload-form",
                        file=upload(to_csv(header, records)))

    html = preview.content.decode()
    assert "The file is refused: nothing was written" in html
    line = record_lines(header, records)[2]
    assert (f"<td>{line}</td><td>Completion (End Of Term)</td><td>&#x27;Half&#x27; is not a value of "
            f"Completion</td>") in html
    assert "import-confirm-form" not in html
    assert nothing_written()


def test_a_forged_confirmation_writes_nothing(importer_client):
    page = importer_client.get(IMPORT_URL).content.decode()
    data = form_data(page, "import-upload-form")

    response = importer_client.post(CONFIRM_URL, {**data, "token": "forged"}, follow=True)

    assert "This preview has expired or is not yours" in response.content.decode()
    assert nothing_written()


def test_a_preview_of_another_user_cannot_be_confirmed(importer_client, admin_client):
    header, records = subset({"CL0069"})
    page = admin_client.get(IMPORT_URL).content.decode()
    html = post_form(admin_client, IMPORT_URL, page, "import-upload-form",
                     file=upload(to_csv(header, records))).content.decode()
    token = form_data(html, "import-confirm-form")["token"]
    own_page = importer_client.get(IMPORT_URL).content.decode()
    data = {**form_data(own_page, "import-upload-form"), "token": token}

    response = importer_client.post(CONFIRM_URL, data, follow=True)

    assert "This preview has expired or is not yours" in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize("role", ["viewer", "secretariat"])
def test_the_import_is_refused_to_everyone_but_superusers(client, django_user_model, role):
    from commitments.models import StaffMembership
    from tests.commitments.factories import MemberFactory

    user = django_user_model.objects.create_user(role, f"{role}@example.org", "pw", is_staff=True)
    # Even with every model permission on commitments, a one-member role may not import all members.
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="commitments"))
    if role == "secretariat":
        StaffMembership.objects.create(user=user, member=MemberFactory(slug="chile", name="Chile"))
    client.force_login(user)
    header, records = subset({"CL0069"})

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {"file": upload(to_csv(header, records))}).status_code == 403
    assert client.post(CONFIRM_URL, {"token": "x"}).status_code == 403
    assert not Commitment.objects.exists()


def test_the_import_forms_need_the_csrf_token(importer_client):
    header, records = subset({"CL0069"})

    response = importer_client.post(IMPORT_URL, {"file": upload(to_csv(header, records))})

    assert response.status_code == 403
    assert nothing_written()
