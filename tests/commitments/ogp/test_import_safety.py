"""The importer cannot store what breaks a public page, nor move data silently (issue 12).

Identifiers, OGP ids and links have the shape validators.py gives them; a move of a plan or
commitment to another member needs --allow-moves (or the preview's box) and is listed; OGP's
missing codes come back from the export as written; a cell has a size limit; the admin's
preview lists a bounded number of problems and deletes its uploads.
"""

import os
import time

import pytest
from django.core.management import CommandError
from django.urls import reverse

from commitments import services, stored
from commitments.models import ActionPlan, Commitment, Institution, Member
from commitments.ogp import admin_import
from commitments.ogp.reading import MAX_CELL_CHARACTERS, ImportResult, check_file
from tests.commitments.ogp.test_exports import content, csv_rows
from tests.commitments.ogp.test_import import (
    CONFIRM_URL,
    IMPORT_URL,
    SAMPLE,
    nothing_written,
    post_form,
    record_lines,
    refused_message,
    run_import,
    sample_table,
    subset,
    to_csv,
    upload,
    write_file,
)
from tests.html_forms import form_data

CANCEL_URL = "/admin/commitments/commitment/import/cancel/"
CHILE_05 = {"CL0069", "CL0070"}  # the sample's rows of plan AP_CHL05


def one_bad_cell(tmp_path, column, value, identifiers=CHILE_05):
    """A file of the sample's rows whose second row holds `value` in `column`; its line."""
    header, records = subset(identifiers)
    records[1][header.index(column)] = value
    return write_file(tmp_path, to_csv(header, records)), record_lines(header, records)[1]


# Identifiers, OGP ids, links --------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("identifier", ["UA 0001", "UA#1", "ua0001", "UA/0001", "0001UA"])
def test_an_identifier_not_of_ogps_shape_is_refused(tmp_path, identifier):
    path, line = one_bad_cell(tmp_path, "Commitment Unique Identifier", identifier)

    message = refused_message(path)

    assert (f"line {line}, Commitment Unique Identifier: {identifier!r} is refused: An identifier is "
            f"capital letters then digits, as OGP writes them, e.g. CL0050.") in message
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("ogp_id", ["AP UKR01", "AP_UKR 01", "UKR01", "AP_ukr01", "AP_UKR#1"])
def test_an_ogp_id_not_of_ogps_shape_is_refused(tmp_path, ogp_id):
    header, records = subset({"CL0069", "CL0070"})
    for record in records:  # every row of the plan, so the rows agree with each other
        record[header.index("Action Plan ID")] = ogp_id
    lines = record_lines(header, records)

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    for line in lines:
        assert (f"line {line}, Action Plan ID: {ogp_id!r} is refused: An OGP id is AP_, capital "
                f"letters, then digits, as OGP writes them, e.g. AP_CHL03.") in message
    assert nothing_written()


@pytest.mark.django_db
def test_spaces_around_an_identifier_are_dropped_as_before(tmp_path):
    path, _line = one_bad_cell(tmp_path, "Commitment Unique Identifier", " CL0070 ")

    run_import(path)

    assert Commitment.objects.filter(identifier="CL0070").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "JavaScript:alert(1)", "ftp://example.org/x", "//example.org/x",
                                 "opengovpartnership.org/members/chile"])
def test_a_url_that_is_not_http_or_https_is_refused_with_its_line_and_column(tmp_path, url):
    path, line = one_bad_cell(tmp_path, "URL", url)

    message = refused_message(path)

    assert f"line {line}, URL: {url!r} is refused: A link must start with http:// or https://." in message
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["https://www.opengovpartnership.org/members/chile/", "http://example.org",
                                 "ND"])
def test_an_http_or_https_url_or_a_missing_code_is_imported(tmp_path, url):
    path, _line = one_bad_cell(tmp_path, "URL", url)

    run_import(path)

    assert Commitment.objects.get(identifier="CL0070").ogp_url == ("" if url == "ND" else url)


@pytest.mark.django_db
def test_a_title_with_a_control_character_is_refused_and_the_feeds_keep_working(client, tmp_path):
    run_import(write_file(tmp_path, to_csv(*subset({"CL0069"})), "first.csv"))
    path, line = one_bad_cell(tmp_path, "Commitment Title", "Diseño\x01 de plataforma")

    message = refused_message(path)

    assert f"line {line}, Commitment Title: contains the control character U+0001" in message
    assert not Commitment.objects.filter(identifier="CL0070").exists()
    for feed in (reverse("commitments:feed"), reverse("commitments:member-feed", args=["chile"]),
                 reverse("commitments:commitment-feed", args=["CL0069"])):
        assert client.get(feed).status_code == 200


# Moves to another member ------------------------------------------------------------------------

def as_ukraine(header, records):
    """The records, given to a member Ukraine (its name, code, region)."""
    for record in records:
        record[header.index("Country/Locality")] = "Ukraine"
        record[header.index("Code")] = "UKR"
        record[header.index("Region")] = "Europe"
    return records


@pytest.fixture
def chile_05(db, tmp_path):
    """Chile's plan AP_CHL05 and its two commitments, imported."""
    run_import(write_file(tmp_path, to_csv(*subset(CHILE_05)), "chile.csv"))
    return ActionPlan.objects.get(ogp_id="AP_CHL05")


def test_a_row_moving_a_plan_to_another_member_is_refused_with_its_line(chile_05, tmp_path):
    header, records = subset(CHILE_05)
    lines = record_lines(header, as_ukraine(header, records))

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert (f"line {lines[0]}, Action Plan ID: would move action plan AP_CHL05 from Chile to Ukraine; "
            f"moves to another member must be allowed explicitly") in message
    assert (f"line {lines[1]}, Country/Locality: would move commitment CL0070 from Chile to Ukraine"
            in message)
    chile_05.refresh_from_db()
    assert chile_05.member.slug == "chile"
    assert set(Commitment.objects.values_list("action_plan__member__slug", flat=True)) == {"chile"}


def test_allow_moves_moves_the_plan_and_lists_every_move(chile_05, tmp_path):
    header, records = subset(CHILE_05)
    lines = record_lines(header, as_ukraine(header, records))

    output = run_import(write_file(tmp_path, to_csv(header, records)), "--allow-moves")

    assert (f"line {lines[0]}: moves action plan AP_CHL05 (with its 2 commitment(s)) from Chile to "
            f"Ukraine") in output
    assert f"line {lines[0]}: moves commitment CL0069 from Chile to Ukraine" in output
    assert f"line {lines[1]}: moves commitment CL0070 from Chile to Ukraine" in output
    chile_05.refresh_from_db()
    assert chile_05.member.slug == "ukraine"


def test_a_dry_run_with_allow_moves_lists_the_moves_and_moves_nothing(chile_05, tmp_path):
    header, records = subset(CHILE_05)
    as_ukraine(header, records)

    output = run_import(write_file(tmp_path, to_csv(header, records)), "--allow-moves", "--dry-run")

    assert "moves action plan AP_CHL05" in output
    chile_05.refresh_from_db()
    assert chile_05.member.slug == "chile"


def test_a_row_reparenting_a_commitment_to_another_members_plan_is_refused(chile_05, tmp_path):
    # New Zealand's row, under CL0069's identifier: it would take CL0069 to New Zealand's plan.
    header, records = subset({"NZ0010"})
    records[0][0] = "CL0069"
    line = record_lines(header, records)[0]

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert (f"line {line}, Country/Locality: would move commitment CL0069 from Chile to New Zealand; "
            f"moves to another member must be allowed explicitly") in message
    assert Commitment.objects.get(identifier="CL0069").action_plan == chile_05
    assert not ActionPlan.objects.filter(ogp_id="AP_NZL02").exists()


def test_allow_moves_reparents_the_commitment_and_says_so(chile_05, tmp_path):
    header, records = subset({"NZ0010"})
    records[0][0] = "CL0069"
    line = record_lines(header, records)[0]

    output = run_import(write_file(tmp_path, to_csv(header, records)), "--allow-moves")

    assert f"line {line}: moves commitment CL0069 from Chile to New Zealand" in output
    assert Commitment.objects.get(identifier="CL0069").action_plan.ogp_id == "AP_NZL02"


def test_a_commitment_moving_between_plans_of_its_own_member_is_no_move(chile_05, tmp_path):
    header, records = subset({"CL0081"})  # Chile's plan AP_CHL06
    records[0][0] = "CL0069"

    output = run_import(write_file(tmp_path, to_csv(header, records)))

    assert "moves" not in output
    assert Commitment.objects.get(identifier="CL0069").action_plan.ogp_id == "AP_CHL06"


# OGP's missing codes ----------------------------------------------------------------------------

MISSING_CODE_CELLS = {
    "Active Commitment": "ND",  # 0/1 (the commitment's status)
    "Open Parliaments": "NR",  # 0/1 (a policy area)
    "Star - Most Recently Assessed": "NA",  # 0/1 (a flag)
    "OGP Value Technology": "NA",  # 0/1 (a yes/no rating)
    "Verifiable": "NR",  # yes/no
    "Carried Forward": "ND",  # 0/1 (yes/no)
    "National Or Local": "ND",  # the member's kind
    "Theme": "NR",
    "Start Date": "ND",
}


def test_missing_codes_are_accepted_in_every_such_column_and_exported_unchanged(client, db, tmp_path):
    header, records = subset({"CL0069", "NZ0010"})
    for record in records:
        for name, code in MISSING_CODE_CELLS.items():
            record[header.index(name)] = code

    run_import(write_file(tmp_path, to_csv(header, records)))
    exported = csv_rows(content(client.get("/commitments/export.csv")))

    assert {tuple(row) for row in exported[1:]} == {tuple(record) for record in records}
    commitment = Commitment.objects.get(identifier="CL0069")
    assert commitment.status == Commitment.Status.ACTIVE  # the model's default: "ND" is not stored
    assert commitment.action_plan.member.kind == "National"


def test_reimporting_a_missing_status_leaves_the_stored_status(chile_05, tmp_path):
    header, records = subset(CHILE_05)
    Commitment.objects.filter(identifier="CL0069").update(status=Commitment.Status.INACTIVE)
    records[0][header.index("Active Commitment")] = "NA"

    run_import(write_file(tmp_path, to_csv(header, records)))

    assert Commitment.objects.get(identifier="CL0069").status == Commitment.Status.INACTIVE


def test_a_status_set_by_hand_replaces_the_missing_code_kept_for_the_export(chile_05, client, tmp_path,
                                                                             django_user_model):
    header, records = subset(CHILE_05)
    records[0][header.index("Active Commitment")] = "ND"
    run_import(write_file(tmp_path, to_csv(header, records)))
    editor = django_user_model.objects.create_user("chile-editor", "ed@example.org", "pw-41-for-tests")
    services.staff_membership_grant(user=editor, member=chile_05.member)
    client.force_login(editor)
    commitment = Commitment.objects.get(identifier="CL0069")
    edit_url = reverse("commitments:commitment-edit", args=["CL0069"])
    data = form_data(client.get(edit_url).content.decode(), "commitment-edit-form")
    other = "active" if commitment.status == "inactive" else "inactive"
    data.update(status=other, note="Status confirmed by the ministry")

    assert client.post(edit_url, data).status_code == 302
    exported = {row[0]: row for row in csv_rows(content(client.get("/commitments/export.csv")))}
    column = exported["Commitment Unique Identifier"].index("Active Commitment")

    # The status the secretariat set, no longer the import's ND.
    assert exported["CL0069"][column] == ("1" if other == "active" else "0")
    assert "Active Commitment" not in Commitment.objects.get(pk=commitment.pk).ogp_extra


def test_reimporting_over_a_stored_ogp_extra_that_is_no_mapping_is_no_traceback(chile_05, tmp_path):
    Commitment.objects.filter(identifier="CL0069").update(ogp_extra=5)
    Commitment.objects.filter(identifier="CL0070").update(ogp_extra=["not", "a", "mapping"])

    run_import(write_file(tmp_path, to_csv(*subset(CHILE_05))))

    assert isinstance(Commitment.objects.get(identifier="CL0069").ogp_extra, dict)
    assert isinstance(Commitment.objects.get(identifier="CL0070").ogp_extra, dict)


@pytest.mark.django_db
def test_a_missing_code_is_still_refused_where_a_row_needs_a_value(tmp_path):
    path, line = one_bad_cell(tmp_path, "Region", "ND")

    message = refused_message(path)

    assert f"line {line}, Region: 'ND' is not one of" in message


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["Country/Locality", "Commitment Title"])
@pytest.mark.parametrize("code", ["ND", "NR", "NA"])
def test_a_missing_code_is_refused_where_a_name_is_required(tmp_path, column, code):
    # Accepted, "Country/Locality" ND made a member named "ND" (this session's audit of issue 12).
    path, line = one_bad_cell(tmp_path, column, code)

    message = refused_message(path)

    assert f"line {line}, {column}: '{code}' is a missing-value code; this column needs a value" in message
    assert not Member.objects.filter(name=code).exists()


# The size of a cell -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_cell_over_the_limit_is_refused_with_its_line_and_column(tmp_path):
    header, records = subset({"CL0069", "CL0070", "NZ0010"})
    records[1][header.index("Full Text")] = "x" * (MAX_CELL_CHARACTERS + 1)
    line = record_lines(header, records)[1]

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert (f"line {line}, Full Text: is longer than the {MAX_CELL_CHARACTERS:,} characters a cell may "
            f"hold") in message
    assert nothing_written()


@pytest.mark.django_db
def test_an_oversized_cell_in_a_quoted_multiline_row_names_its_column(tmp_path):
    header, records = subset({"CL0069", "CR0073"})  # CR0073's texts run over many lines
    records[1][header.index("Binding constraint")] = 'a "quoted", long\n' * (MAX_CELL_CHARACTERS // 10)
    line = record_lines(header, records)[1]

    message = refused_message(write_file(tmp_path, to_csv(header, records)))

    assert f"line {line}, Binding constraint: is longer than the" in message


@pytest.mark.django_db
def test_a_cell_at_the_limit_is_imported(tmp_path):
    header, records = subset({"CL0069"})
    records[0][header.index("Full Text")] = "y" * MAX_CELL_CHARACTERS

    run_import(write_file(tmp_path, to_csv(header, records)))

    assert len(Commitment.objects.get(identifier="CL0069").description) == MAX_CELL_CHARACTERS


# The admin: problems listed, moves allowed by a box, uploads deleted ----------------------------

@pytest.fixture
def uploads(tmp_path, monkeypatch):
    """The admin's upload folder, this test's own (other test runs share the system's)."""
    folder = tmp_path / "uploads"
    monkeypatch.setattr(admin_import, "UPLOAD_DIR", folder)
    return folder


def uploaded(folder):
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def preview(client, header, records):
    page = client.get(IMPORT_URL).content.decode()
    return post_form(client, IMPORT_URL, page, "import-upload-form",
                     file=upload(to_csv(header, records))).content.decode()


def test_the_preview_lists_at_most_200_problems_and_their_total(importer_client, uploads):
    header, records = sample_table()
    records = records[:300]
    for record in records:
        record[header.index("Specificity")] = "Very high"

    html = preview(importer_client, header, records)

    assert "300 problems; the first 200 are listed" in html
    table = html.split('<table id="import-errors">')[1].split("</table>")[0]
    assert table.count("<tr><td>") == 200
    assert uploaded(uploads) == []  # a refused file is not kept


def test_the_preview_lists_moves_and_confirming_without_the_box_refuses(importer_client, chile_05,
                                                                         uploads):
    header, records = subset(CHILE_05)
    lines = record_lines(header, as_ukraine(header, records))

    html = preview(importer_client, header, records)

    assert "2 moves to another member" not in html  # the plan and its two commitments: three
    assert "3 moves to another member" in html
    assert (f"<tr><td>{lines[0]}</td><td>Action plan AP_CHL05 (with its 2 commitments)</td>"
            f"<td>Chile</td><td>Ukraine</td></tr>") in html
    assert 'name="allow_moves"' in html

    refused = post_form(importer_client, CONFIRM_URL, html, "import-confirm-form").content.decode()

    assert "The file is refused: nothing was written" in refused
    assert (f"<td>{lines[0]}</td><td>Action Plan ID</td><td>would move action plan AP_CHL05 from Chile "
            f"to Ukraine") in refused
    chile_05.refresh_from_db()
    assert chile_05.member.slug == "chile"
    assert len(uploaded(uploads)) == 1  # offered again until the preview expires

    data = {**form_data(refused, "import-confirm-form"), "allow_moves": "on"}
    confirmed = importer_client.post(CONFIRM_URL, data, follow=True).content.decode()

    assert "Moved Action plan AP_CHL05 from Chile to Ukraine." in confirmed
    assert "Moved Commitment CL0070 from Chile to Ukraine." in confirmed
    chile_05.refresh_from_db()
    assert chile_05.member.slug == "ukraine"
    assert uploaded(uploads) == []


def test_a_preview_without_moves_has_no_box_and_the_confirmed_file_is_deleted(importer_client, uploads):
    header, records = subset({"NZ0010", "CL0069"})

    html = preview(importer_client, header, records)

    assert "allow_moves" not in html and "import-moves" not in html
    assert len(uploaded(uploads)) == 1
    post_form(importer_client, CONFIRM_URL, html, "import-confirm-form")
    assert Commitment.objects.count() == 2
    assert uploaded(uploads) == []


def test_cancel_deletes_the_upload_and_writes_nothing(importer_client, uploads):
    html = preview(importer_client, *subset({"NZ0010"}))
    assert len(uploaded(uploads)) == 1

    response = post_form(importer_client, CANCEL_URL, html, "import-cancel-form")

    assert response.status_code == 302
    assert uploaded(uploads) == []
    assert nothing_written()
    # The cancelled preview cannot be confirmed afterwards.
    late = importer_client.post(CONFIRM_URL, form_data(html, "import-confirm-form"), follow=True)
    assert "This preview has expired or is not yours" in late.content.decode()
    assert nothing_written()


def test_an_expired_upload_is_deleted_at_the_next_visit(importer_client, uploads):
    preview(importer_client, *subset({"NZ0010"}))
    (old,) = uploaded(uploads)
    an_hour_and_more_ago = time.time() - admin_import.TOKEN_MAX_AGE - 60
    os.utime(old, (an_hour_and_more_ago, an_hour_and_more_ago))

    importer_client.get(IMPORT_URL)

    assert uploaded(uploads) == []


def test_confirming_an_expired_preview_deletes_its_upload(importer_client, uploads, monkeypatch):
    html = preview(importer_client, *subset({"NZ0010"}))
    monkeypatch.setattr(admin_import, "TOKEN_MAX_AGE", -1)  # every token is now past its age

    response = importer_client.post(CONFIRM_URL, form_data(html, "import-confirm-form"), follow=True)

    assert "This preview has expired or is not yours" in response.content.decode()
    assert uploaded(uploads) == []
    assert nothing_written()


def test_a_refused_admin_upload_shows_the_cell_limit_with_line_and_column(importer_client, uploads):
    header, records = subset({"CL0069", "CL0070"})
    records[1][header.index("Short Title")] = "z" * (MAX_CELL_CHARACTERS + 1)
    line = record_lines(header, records)[1]

    html = preview(importer_client, header, records)

    assert (f"<td>{line}</td><td>Short Title</td><td>is longer than the {MAX_CELL_CHARACTERS:,} "
            f"characters a cell may hold</td>") in html
    assert nothing_written()


@pytest.mark.django_db
def test_an_oversized_header_cell_is_a_command_error_not_a_traceback(tmp_path):
    path = write_file(tmp_path, b'"Commitment Unique Identifier\n' + b"x" * (MAX_CELL_CHARACTERS + 2))

    with pytest.raises(CommandError) as refused:
        run_import(path)

    assert "line 1" in str(refused.value) and "is longer than the" in str(refused.value)


def test_the_preview_of_moves_speaks_spanish(importer_client, chile_05, uploads):
    header, records = subset(CHILE_05)
    as_ukraine(header, records)
    importer_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"

    html = preview(importer_client, header, records)

    assert "3 traslados a otro miembro" in html
    assert "Plan de acción AP_CHL05 (con sus 2 compromisos)" in html
    assert "Permitir estos traslados a otro miembro" in html
    assert "Cancelar: borrar el archivo subido" in html


@pytest.mark.django_db
def test_the_check_for_moves_reads_the_database_a_batch_at_a_time(django_assert_max_num_queries):
    run_import(SAMPLE)
    result = ImportResult()

    # 558 rows, 214 plans, 75 members: the plan numbers (1 query), the plans (1), the
    # commitments (558 identifiers: 1 query per stored.BATCH of them).
    with django_assert_max_num_queries(2 + -(-558 // stored.BATCH)):
        check_file(SAMPLE, result)

    assert result.errors == [] and result.moves == []


def test_the_admin_preview_refuses_bad_identifiers_and_links_with_line_and_column(importer_client,
                                                                                   uploads):
    header, records = subset({"CL0069", "CL0070", "NZ0010"})
    records[0][0] = "UA 0001"
    records[2][header.index("URL")] = "data:text/html,<b>x</b>"
    lines = record_lines(header, records)

    html = preview(importer_client, header, records)

    assert (f"<td>{lines[0]}</td><td>Commitment Unique Identifier</td><td>&#x27;UA 0001&#x27; is "
            f"refused: An identifier is capital letters then digits") in html
    assert (f"<td>{lines[2]}</td><td>URL</td><td>&#x27;data:text/html,&lt;b&gt;x&lt;/b&gt;&#x27; is "
            f"refused: A link must start with http:// or https://.</td>") in html
    assert "import-confirm-form" not in html
    assert nothing_written()


def test_a_lead_entered_after_an_imported_na_is_exported(client, db, tmp_path):
    header, records = subset({"CL0069"})
    records[0][header.index("Lead Institution")] = "N/A"
    run_import(write_file(tmp_path, to_csv(header, records)))
    Commitment.objects.filter(identifier="CL0069").update(
        lead_institution=Institution.objects.create(name="Senado de Chile"))

    exported = csv_rows(content(client.get("/commitments/export.csv")))

    assert exported[1][header.index("Lead Institution")] == "Senado de Chile"
