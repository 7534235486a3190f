"""Bulk updates by spreadsheet: a member's open commitments and milestones written as XLSX or CSV,
read back, checked row by row, and saved through services.commitment_update in one transaction.

A row is one commitment (its status) or one of its milestones (status, dates, evidence link), with
the commitment's version as downloaded and an empty note. Each row is checked by the staff edit
page's own forms (commitments/forms.py: values, dates, links, the note a change needs), so the
spreadsheet and the page refuse the same things; the version is the edit rule's lock, and a row
whose commitment was saved since the download is refused, never merged. Nothing is written
unless every row passes, and the rows are checked again at the confirmation.
"""

import csv
import datetime
import functools
import io
import zipfile
from dataclasses import dataclass, field
from itertools import zip_longest
from xml.parsers import expat

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ogptracker import xlsx, xlsx_bounds
from ogptracker.spreadsheets import neutralise, unneutralise
from reviews.scales import Completion

from . import permissions, search, services
from .forms import CommitmentEditForm, MilestoneEditForm
from .models import Commitment, Milestone
from .validators import validate_upload_size

# The header as written and read: machine names, so a file downloaded in one language is read in
# any other. "title" is there for the reader and never read back.
COLUMNS = ("identifier", "milestone", "title", "status", "start_date", "end_date", "completed_on",
           "evidence_url", "version", "note", "note_evidence_url")
REQUIRED_COLUMNS = ("identifier", "milestone", "status", "version", "note")
# Only a commitment's status is updated here (as on the edit page); its dates are the plan's.
COMMITMENT_FIELDS = ("status",)
# completed_on, the date met: by the edit page's rule (services.with_completion); a file without the
# column (downloaded before it was added) gives none, as an empty cell does.
MILESTONE_FIELDS = ("status", "start_date", "end_date", "completed_on", "evidence_url")
# A milestone still to do: not complete and not withdrawn.
CLOSED_MILESTONE_STATUSES = (Completion.COMPLETE, Completion.WITHDRAWN)

QUOTE_LENGTH = 60
NOTE_EVIDENCE_LABEL = gettext_lazy("Evidence link of the note")

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 3000
# What an XLSX may hold, checked before a row is read (ogptracker/xlsx_bounds.py): unpacked parts,
# cells in a row (the sheet has 10 columns), characters in a cell (Excel's own limit).
XLSX_BOUNDS = xlsx_bounds.Bounds(unpacked_bytes=20 * 1024 * 1024, rows=MAX_ROWS + 1, cells_per_row=64,
                                 field_chars=32767)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BulkUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (XLSX or CSV)"),
                           help_text=gettext_lazy("The file downloaded above, with your changes and a "
                                                  "note on each changed row. Nothing is saved before you "
                                                  "confirm."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload_size(upload, MAX_UPLOAD_BYTES)
        return upload


class FileRefused(Exception):
    """The file as a whole cannot be read (not XLSX or CSV, not UTF-8, no header, too many rows)."""


# Writing -------------------------------------------------------------------------------------------

def open_commitments(member):
    """The member's active commitments, each with its open milestones, in the file's order."""
    return (Commitment.objects.for_member(member).active().order_by("identifier")
            .only("identifier", "title", "status", "version", "action_plan_id"))


def open_rows(member) -> list[list]:
    """The file's rows after its header: each commitment, then its open milestones."""
    commitments = list(open_commitments(member))
    milestones = {}
    for milestone in (Milestone.objects.filter(commitment__in=[c.pk for c in commitments])
                      .exclude(status__in=CLOSED_MILESTONE_STATUSES).order_by("commitment_id", "order")):
        milestones.setdefault(milestone.commitment_id, []).append(milestone)
    rows = []
    for commitment in commitments:
        rows.append([commitment.identifier, None, commitment.title, commitment.status, None, None, None, None,
                     commitment.version, "", ""])
        for m in milestones.get(commitment.pk, []):
            rows.append([commitment.identifier, m.order, m.text, m.status, m.start_date, m.end_date,
                         m.completed_on, m.evidence_url, commitment.version, "", ""])
    return rows


STATUS_COLUMN, MILESTONE_COLUMN = COLUMNS.index("status"), COLUMNS.index("milestone")
# The statuses a row may take: a commitment's (False) or a milestone's (True), as the edit page.
STATUS_CHOICES = {False: Commitment.Status.choices, True: Completion.choices}
CHOICES_SHEET = "Choices"


def xlsx_bytes(member) -> bytes:
    """The workbook: the rows, each status as its label in the active language, offered as a
    drop-down of the labels its row (a commitment's or a milestone's) may take; the lists are on
    a hidden sheet, so a label may hold any character. read_upload takes labels and slugs."""
    rows = open_rows(member)
    labels = {kind: {value: str(label) for value, label in choices}
              for kind, choices in STATUS_CHOICES.items()}
    kinds = [row[MILESTONE_COLUMN] is not None for row in rows]
    for row, kind in zip(rows, kinds, strict=True):
        row[STATUS_COLUMN] = labels[kind].get(row[STATUS_COLUMN], row[STATUS_COLUMN])
    validations = [xlsx.Validation(STATUS_COLUMN, [index for index, each in enumerate(kinds) if each == kind],
                                   xlsx.choices_ref(CHOICES_SHEET, int(kind), len(labels[kind])))
                   for kind in (False, True)]
    output = io.BytesIO()
    xlsx.write(output, [
        xlsx.Sheet("Updates", COLUMNS, rows, validations=validations),
        xlsx.Sheet(CHOICES_SHEET, [_("Commitment status"), _("Milestone status")],
                   zip_longest(labels[False].values(), labels[True].values()), hidden=True),
    ])
    return output.getvalue()


def csv_text(member) -> str:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(COLUMNS)
    for row in open_rows(member):
        writer.writerow([neutralise(_csv_cell(cell)) for cell in row])
    return output.getvalue()


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# Reading -------------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    """A cell as the text the forms read: dates as ISO dates, whole numbers without ".0", texts
    without the formula mark our download put on them."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return str(value)
    return unneutralise(str(value)).strip()


# What openpyxl raises on a damaged or forged workbook, when opening it or, read-only, while reading
# its rows (SyntaxError: the XML parsers' errors, lxml's too): the uploader's file, never a 500.
_UNREADABLE_XLSX = (InvalidFileException, zipfile.BadZipFile, SyntaxError, KeyError, ValueError, TypeError,
                    IndexError, AttributeError, OSError, EOFError)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    unreadable = FileRefused(_("This file cannot be read as an XLSX workbook."))
    try:
        xlsx_bounds.check(data, XLSX_BOUNDS)
    except xlsx_bounds.OutOfBounds as refused:
        raise FileRefused(_bounds_message(refused.what)) from refused
    except (*_UNREADABLE_XLSX, expat.ExpatError) as error:
        raise unreadable from error
    try:
        # Formulas are never evaluated: a cell holding one is read as its text.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except _UNREADABLE_XLSX as error:
        raise unreadable from error
    rows = []
    try:
        if not workbook.worksheets:
            raise FileRefused(_("The workbook has no sheet."))
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            if len(rows) > MAX_ROWS:
                raise FileRefused(_("The file has more than %(rows)s rows.") % {"rows": MAX_ROWS})
            rows.append([_cell_text(value) for value in row])
    except _UNREADABLE_XLSX as error:
        raise unreadable from error
    finally:
        workbook.close()
    return rows


def _bounds_message(what: str) -> str:
    bounds = XLSX_BOUNDS
    return {
        "unpacked": _("The workbook unpacks to more than %(megabytes)s MB.")
        % {"megabytes": bounds.unpacked_bytes // (1024 * 1024)},
        "rows": _("The file has more than %(rows)s rows.") % {"rows": MAX_ROWS},
        "cells": _("A row of the workbook has more than %(cells)s cells.") % {"cells": bounds.cells_per_row},
        "field": _("A cell of the workbook holds more than %(chars)s characters.")
        % {"chars": bounds.field_chars},
    }[what]


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(_("This CSV file is not UTF-8 text.")) from error
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if len(rows) > MAX_ROWS:
                raise FileRefused(_("The file has more than %(rows)s rows.") % {"rows": MAX_ROWS})
            rows.append([_cell_text(value) for value in row])
        return rows
    except csv.Error as error:
        raise FileRefused(_("This CSV file cannot be read: %(error)s") % {"error": error}) from error


def read_upload(data: bytes) -> list[dict]:
    """The file's rows as {column: text} with their line ("line"), blank rows left out.

    XLSX is told from CSV by its content (a zip archive), not by its name.
    """
    rows = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data)
    if not rows:
        raise FileRefused(_("The file is empty."))
    header = [name.strip().lower() for name in rows[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FileRefused(_("The first row must name the columns; missing: %(columns)s.")
                          % {"columns": ", ".join(missing)})
    # A column of the IRM's findings would be left unread; refused by name, as the API refuses the
    # field, so that whoever added it knows nothing of it would be written.
    irms = [name.strip() for name in rows[0] if permissions.is_irms(name.strip())]
    if irms:
        raise FileRefused(_("%(columns)s: the IRM's, which only IRM reviewers record, in the IRM's "
                            "reports and assessments, never by this file. Remove these columns.")
                          % {"columns": ", ".join(_quoted(name) for name in irms)})
    result = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name in COLUMNS}
        result.append({"line": line, **{name: row.get(name, "") for name in COLUMNS}})
    return result


# Checking ------------------------------------------------------------------------------------------

@dataclass
class Change:
    line: int
    identifier: str
    milestone: int | None
    label: str
    old: str
    new: str
    note: str
    evidence_url: str


@dataclass
class Refusal:
    line: int
    reason: str
    # 409 when the row's commitment was saved since the download (services.StaleEdit), else 400.
    status: int = 400


@dataclass
class _Update:
    """One commitment's changes, saved by one commitment_update (one version claimed)."""

    commitment: Commitment
    version: int
    data: dict = field(default_factory=dict)
    note: str = ""
    evidence_url: str = ""
    milestones: list = field(default_factory=list)


@dataclass
class Check:
    changes: list[Change] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    unchanged: int = 0
    updates: list[_Update] = field(default_factory=list)

    @property
    def can_confirm(self) -> bool:
        return bool(self.changes) and not self.refusals

    @property
    def status(self) -> int:
        """The preview's HTTP status: 409 when a row is refused as stale, 400 for other refusals."""
        return max((refusal.status for refusal in self.refusals), default=200)


def _display(form, name, value) -> str:
    if value in (None, ""):
        return "—"
    choices = getattr(form.fields[name], "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _form_reasons(form, exclude=()) -> list[str]:
    reasons = []
    for name, messages in form.errors.items():
        if name in exclude:
            continue
        label = capfirst(str(form.fields[name].label)) if name in form.fields else ""
        reasons += [f"{label}: {message}" if label else str(message) for message in messages]
    return reasons


def _quoted(text: str) -> str:
    """A cell's text as a message quotes it: short, whatever the cell holds."""
    return Truncator(text).chars(QUOTE_LENGTH) or "—"


@functools.cache
def _status_names(milestone: bool) -> dict[str, str]:
    """Every name of each status of a row: its slug, and its label in each of the site's
    languages (the download writes its user's; a colleague may upload it in the other), compared
    as search compares words: any case, accents and spacing ("No iniciado" is "no  INICIADO")."""
    choices = STATUS_CHOICES[milestone]
    names = {search.normalize(str(value)): value for value, _label in choices}
    for language, _name in settings.LANGUAGES:
        with override(language):
            for value, label in choices:
                names.setdefault(search.normalize(str(label)), value)
    return names


def _status_value(text: str, milestone: bool) -> str:
    """The stored value a cell names: the value itself, or its label in English or Spanish."""
    return _status_names(milestone).get(search.normalize(text), text)


def _as_saved(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names if hasattr(instance, name)}


def _note_evidence(row) -> tuple[str, list[str]]:
    """The change's evidence link, by the rule of every change's (services.evidence_errors)."""
    link = row.get("note_evidence_url", "")
    return link, [f"{NOTE_EVIDENCE_LABEL}: {message}" for message in services.evidence_errors(link)]


def _whole_number(text: str) -> int | None:
    try:
        return forms.IntegerField(min_value=1).clean(text)
    except ValidationError:
        return None


def check_rows(member, rows: list[dict]) -> Check:
    """What the rows would change, and each row refused with its line and reason. Reads the
    database in a fixed number of queries, whatever the number of rows."""
    result = Check()
    # NUL cannot be in a stored identifier, and PostgreSQL refuses it even in a query.
    identifiers = {row["identifier"] for row in rows if row["identifier"] and "\x00" not in row["identifier"]}
    commitments = {c.identifier: c for c in Commitment.objects.filter(identifier__in=identifiers)
                   .select_related("action_plan__member")}
    milestones = {}
    by_pk = {c.pk: c for c in commitments.values() if c.action_plan.member_id == member.pk}
    for milestone in Milestone.objects.filter(commitment__in=list(by_pk)):
        milestone.commitment = by_pk[milestone.commitment_id]  # its plan, for the date met: no query each
        milestones[(milestone.commitment_id, milestone.order)] = milestone
    updates: dict[int, _Update] = {}
    seen = {}
    for row in rows:
        line = row["line"]
        commitment = commitments.get(row["identifier"])
        if commitment is None:
            result.refusals.append(Refusal(line, _("No commitment has the identifier “%(identifier)s”.")
                                           % {"identifier": _quoted(row["identifier"])}))
            continue
        if commitment.action_plan.member_id != member.pk:
            result.refusals.append(Refusal(line, _("%(identifier)s is a commitment of %(other)s, not of "
                                                   "%(member)s: this file updates %(member)s only.") % {
                "identifier": commitment.identifier, "other": commitment.action_plan.member.name,
                "member": member.name}))
            continue
        milestone = None
        if row["milestone"]:
            order = _whole_number(row["milestone"])
            milestone = milestones.get((commitment.pk, order)) if order is not None else None
            if milestone is None:
                result.refusals.append(Refusal(line, _("%(identifier)s has no milestone “%(milestone)s”.")
                                               % {"identifier": commitment.identifier,
                                                  "milestone": _quoted(row["milestone"])}))
                continue
        key = (commitment.pk, milestone.pk if milestone else None)
        if key in seen:
            result.refusals.append(Refusal(line, _("This row repeats line %(line)s.") % {"line": seen[key]}))
            continue
        seen[key] = line
        _check_row(result, updates, row, commitment, milestone)
    result.updates = [u for u in updates.values() if u.data or u.milestones]
    return result


def _check_row(result, updates, row, commitment, milestone) -> None:
    line = row["line"]
    choices = STATUS_CHOICES[milestone is not None]
    status = _status_value(row["status"], milestone is not None)
    if status not in dict(choices):
        result.refusals.append(Refusal(line, _("Unknown status “%(status)s”: choose one of the list "
                                               "(%(labels)s) or write its value (%(values)s).") % {
            "status": _quoted(row["status"]), "labels": ", ".join(str(label) for _value, label in choices),
            "values": ", ".join(value for value, _label in choices)}))
        return
    if milestone is None:
        values = {"status": status}
        if row["start_date"] or row["end_date"] or row["completed_on"] or row["evidence_url"]:
            result.refusals.append(Refusal(line, _("Only a commitment's status is updated here; leave its "
                                                   "dates and evidence link empty.")))
            return
        values = {**_as_saved(commitment, CommitmentEditForm.FIELDS), **values, "note": row["note"],
                  "version": commitment.version}
        form = CommitmentEditForm(values, commitment=commitment)
        names, current = COMMITMENT_FIELDS, commitment
    else:
        values = {"status": status, **{name: row[name] for name in MILESTONE_FIELDS if name != "status"}}
        # The fields the file does not hold (if the page has more) are sent as saved, so unchanged.
        values = {**_as_saved(milestone, MilestoneEditForm.FIELDS), **values, "note": row["note"]}
        form = MilestoneEditForm({f"milestone-{milestone.pk}-{name}": value
                                  for name, value in values.items()}, milestone=milestone)
        names, current = MILESTONE_FIELDS, milestone
    evidence, evidence_reasons = _note_evidence(row)
    form.is_valid()
    value_reasons = _form_reasons(form, exclude=("note",)) + evidence_reasons
    if value_reasons:
        result.refusals.append(Refusal(line, " ".join(value_reasons)))
        return
    changed = [name for name in names if form.cleaned_data[name] != getattr(current, name)]
    if not changed:
        result.unchanged += 1
        return
    # Stale before the note: a row of a commitment saved since the download may differ from what is
    # saved only because of that other save, which this file would undo.
    try:
        version = services.check_version(commitment, row["version"])
    except services.VersionRefused as refused:
        result.refusals.append(Refusal(line, refused.detail, refused.status))
        return
    if form.errors:
        result.refusals.append(Refusal(line, " ".join(_form_reasons(form))))
        return
    update = updates.setdefault(commitment.pk, _Update(commitment=commitment, version=version))
    note = form.cleaned_data["note"]
    for name in changed:
        result.changes.append(Change(
            line=line, identifier=commitment.identifier, milestone=milestone.order if milestone else None,
            label=capfirst(str(form.fields[name].label)), old=_display(form, name, getattr(current, name)),
            new=_display(form, name, form.cleaned_data[name]), note=note, evidence_url=evidence))
    values = {name: form.cleaned_data[name] for name in names}
    if milestone is None:
        update.data, update.note, update.evidence_url = values, note, evidence
    else:
        update.milestones.append(services.MilestoneChange(milestone=milestone, data=values, note=note,
                                                          evidence_url=evidence))


class BulkRefused(Exception):
    """A row failed at the confirmation: nothing was written."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def apply(check: Check, *, user) -> int:
    """Save every update of a checked file in one transaction; the number of commitments saved.

    Raises BulkRefused when any save is refused (someone saved meanwhile, a value the model refuses,
    no right to edit): the transaction is rolled back, so nothing of the file is written.
    """
    try:
        with transaction.atomic():
            for update in check.updates:
                services.commitment_update(
                    commitment=update.commitment, user=user, data=update.data, note=update.note,
                    evidence_url=update.evidence_url, expected_version=update.version,
                    milestones=update.milestones)
    except services.StaleEdit as stale:
        raise BulkRefused(_("%(identifier)s was saved by someone meanwhile; nothing was written.")
                          % {"identifier": stale.commitment.identifier}) from stale
    except PermissionDenied as error:
        raise BulkRefused(_("You may no longer edit these commitments; nothing was written.")) from error
    except ValidationError as error:
        raise BulkRefused(_("A row was refused at saving (%(reason)s); nothing was written.")
                          % {"reason": " ".join(error.messages)}) from error
    return len(check.updates)
