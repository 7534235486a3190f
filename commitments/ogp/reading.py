"""Reading OGP's commitments export (CSV): every row parsed and checked before anything is written.

The first pass (check_file) reads the file a row at a time, so its memory does not grow with
the rows (OGP's rows carry long texts): every cell is parsed by its column (columns.py), rows
must agree with each other about their member, plan and reports, and only the keys and small
attributes of members, plans, institutions, policy areas and reports are kept (FileSummary).
writing.py reads the rows again, with parsed_rows, to write them.
"""

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ogptracker.spreadsheets import unneutralise
from reviews.scales import MISSING_CODES

from .. import stored, validators
from ..models import ActionPlan, Commitment
from . import columns as oc

# The longest cell a file may hold, in characters. OGP's longest texts run to about 28,000
# characters (a "Full Text" of the sample); four times csv's default of 131,072 leaves room for
# any real description while a hostile file cannot make one row take gigabytes. csv's limit is
# the process's, set here deliberately: csv refuses a longer cell as it reads it (before it is
# held whole), and parsed_rows turns that refusal into the cell's line and column.
MAX_CELL_CHARACTERS = 4 * 131_072
csv.field_size_limit(MAX_CELL_CHARACTERS)
CELL_TOO_LONG = f"is longer than the {MAX_CELL_CHARACTERS:,} characters a cell may hold"

# Bounds on the file's shape, checked by a first look (_check_bounds) before csv reads a record:
# a hostile file of a few megabytes can hold one record of millions of fields, or a line of
# hundreds of megabytes, which csv would hold whole before any check. Within them a file is
# refused in well under 2 s and 100 MB (tests/commitments/ogp/test_import_bounds.py).
# OGP's export has 171 columns; its longest record is about 28,500 characters; it has some
# 7,000 commitments (the 100,000 of the demo data import too).
MAX_FIELDS = 1_000  # fields of a record, the header's included
MAX_RECORD_CHARACTERS = 2 * MAX_CELL_CHARACTERS  # a record's text, all its fields
MAX_ROWS = 200_000  # records under the header
MAX_LINE_BYTES = 8 * 1024 * 1024  # a line read at once (a file ending its lines by "\r" alone is one)
# A quoted stretch of a line (to its end when the quote closes on a later line): commas in it
# do not separate fields.
QUOTED = re.compile(r'"[^"]*(?:"|$)')
ROW_TOO_LONG = f"the row is longer than the {MAX_RECORD_CHARACTERS:,} characters a row may hold"


# Entity names in the result, in the order they are reported.
ENTITIES = ("members", "action plans", "institutions", "policy areas", "IRM reports", "commitments",
            "assessments")
ENTITY_LABELS = {"members": _("Members"), "action plans": _("Action plans"),
                 "institutions": _("Institutions"), "policy areas": _("Policy areas"),
                 "IRM reports": _("IRM reports"), "commitments": _("Commitments"),
                 "assessments": _("Assessments")}


@dataclass(frozen=True)
class RowError:
    """Why one row (or the file) was refused: the physical line where the record starts."""

    line: int
    column: str
    reason: str

    def __str__(self):
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


@dataclass
class ImportResult:
    rows: int = 0
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    # A row may move an existing plan or commitment to another member only when this is set
    # (--allow-moves, the preview's checkbox); every move found is listed in `moves` either way.
    allow_moves: bool = False
    moves: list["Move"] = field(default_factory=list)
    # Identifiers whose rows are left out whole (setup_local leaves the seed's, --leave): read and
    # parsed like any row, but neither checked against the database nor written; `left` lists them.
    leave: frozenset = frozenset()
    left: list["LeftRow"] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    @property
    def refused_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors if error.line})

    def counts(self) -> list[tuple[str, int, int]]:
        """(translated name, created, updated) per kind of object, for the admin's preview."""
        return [(ENTITY_LABELS[name], self.created[name], self.updated[name]) for name in ENTITIES]

    def summary(self) -> list[str]:
        """One line per kind of object: how many were (or would be) created and updated, then
        one per move to another member."""
        return [f"{name}: {self.created[name]} created, {self.updated[name]} updated"
                for name in ENTITIES] + [str(move) for move in self.moves]


@dataclass(frozen=True)
class LeftRow:
    """A row the import left out (ImportResult.leave): the line where it starts, its commitment."""

    line: int
    identifier: str

    def __str__(self):
        return f"line {self.line}: {self.identifier}"


@dataclass(frozen=True)
class Move:
    """An existing plan or commitment that a row gives to another member."""

    PLAN, COMMITMENT = "action plan", "commitment"
    LABELS = {PLAN: _("Action plan"), COMMITMENT: _("Commitment")}

    line: int
    kind: str  # PLAN or COMMITMENT
    key: str  # its OGP id or identifier
    from_member: str
    to_member: str
    commitments: int = 0  # for a plan: how many commitments it takes along

    @property
    def what(self) -> str:
        return f"{self.kind} {self.key}"

    @property
    def label(self):
        return self.LABELS[self.kind]

    def __str__(self):
        along = f" (with its {self.commitments} commitment(s))" if self.commitments else ""
        return f"line {self.line}: moves {self.what}{along} from {self.from_member} to {self.to_member}"

    @property
    def column(self) -> str:
        return oc.PLAN_ID if self.kind == self.PLAN else "Country/Locality"


@dataclass
class ParsedRow:
    line: int
    header: "Header"  # shared by every row of the file
    record: list  # the cells, unmarked, in the header's order
    values: dict  # modelled column name -> parsed value

    def value(self, name, default=None):
        return self.values.get(name, default)

    def cell(self, name) -> str:
        return self.record[self.header.index[name]]

    @property
    def cells(self):
        return zip(self.header.names, self.record, strict=True)

    @property
    def identifier(self) -> str:
        return self.values[oc.IDENTIFIER]

    @property
    def member_slug(self) -> str:
        return slugify(self.values["Country/Locality"])

    @property
    def plan_id(self) -> str:
        return self.values[oc.PLAN_ID]

    @property
    def submission_year(self) -> int:
        return self.values["Year Of Submission"]

    def slot_columns(self, slot):
        return self.header.slot_columns[(slot, oc.is_new_model(self.submission_year))]

    def slot_has_values(self, slot) -> bool:
        """Whether the row holds a finding of that report: a year, a rating or a cluster."""
        for column in self.slot_columns(slot):
            value = self.values[column.name]
            if value not in (None, "") and value not in MISSING_CODES:
                return True
        return False

    def slot_year(self, slot):
        """The report's publication year the row gives, or None."""
        return next((self.values[column.name] for column in self.slot_columns(slot)
                     if column.kind == oc.YEAR and self.values[column.name] is not None), None)


class Header:
    """The file's columns, and per report slot and IRM model the modelled columns it has."""

    def __init__(self, names):
        self.names = tuple(names)
        self.index = {name: position for position, name in enumerate(self.names)}
        present = [oc.BY_NAME[name] for name in self.names if name in oc.BY_NAME]
        self.slot_columns = {
            (slot, new_model): [column for column in present if column.target == slot
                                and column.era in (None, new_model)]
            for slot in (oc.MID, oc.FINAL) for new_model in (False, True)}


MEMBER_COLUMNS = [column.name for column in oc.COLUMNS if column.target == oc.MEMBER]
PLAN_COLUMNS = [column.name for column in oc.COLUMNS if column.target == oc.PLAN] + ["Country/Locality"]


@dataclass
class FileSummary:
    """What the first pass keeps of the rows: what the checks across rows and the writes of
    members, plans, institutions, policy areas and reports need, and no commitment's texts."""

    members: dict = field(default_factory=dict)  # slug -> model field -> value
    plans: dict = field(default_factory=dict)  # ogp_id -> model field -> value, and "member" slug
    plan_lines: dict = field(default_factory=dict)  # ogp_id -> (first line, member slug, number)
    institutions: Counter = field(default_factory=Counter)  # name -> rows naming it
    area_columns: list = field(default_factory=list)  # the policy area columns of the file
    used_areas: set = field(default_factory=set)  # slugs of the areas a row is tagged with
    reports: dict = field(default_factory=dict)  # (plan ogp_id, kind) -> publication year or None
    rows: int = 0  # how many rows were added

    def add(self, row: ParsedRow):
        # None: a missing code the model cannot hold ("National Or Local" ND), nothing to write.
        self.members.setdefault(row.member_slug, {oc.BY_NAME[name].field: row.values[name]
                                                  for name in MEMBER_COLUMNS
                                                  if row.values.get(name) is not None})
        if row.plan_id not in self.plans:
            values = {oc.BY_NAME[name].field: row.values[name] for name in PLAN_COLUMNS
                      if name in row.values and oc.BY_NAME[name].target == oc.PLAN}
            self.plans[row.plan_id] = {**values, "member": row.member_slug}
            self.plan_lines[row.plan_id] = (row.line, row.member_slug, row.values["Action Plan Number"])
        if lead := row.value("Lead Institution"):
            self.institutions[lead] += 1
        self.institutions.update(row.value("Supporting Institution(s)", ()))
        if self.rows == 0:
            self.area_columns = [column for column in oc.POLICY_AREA_COLUMNS if column.name in row.values]
        self.rows += 1
        self.used_areas.update(column.field for column in self.area_columns if row.values[column.name])
        self._add_reports(row)

    def _add_reports(self, row):
        for slot in (oc.MID, oc.FINAL):
            key = (row.plan_id, oc.slot_kind(slot, row.submission_year))
            if row.slot_has_values(slot):
                self.reports.setdefault(key, None)
            if (year := row.slot_year(slot)) is not None:
                self.reports[key] = year


def check_file(path, result: ImportResult) -> FileSummary:
    """First pass: every row is parsed and checked; only the summary of the rows is kept."""
    summary = FileSummary()
    if not _within_bounds(path, result):
        return summary
    consistency = _ConsistencyCheck()
    seen = {}  # identifier -> (line, member slug): small, kept for the check of moves
    for row in parsed_rows(path, result):
        if row.identifier in seen:
            result.errors.append(RowError(row.line, oc.IDENTIFIER, f"{row.identifier} is already on line "
                                                                   f"{seen[row.identifier][0]}"))
            continue
        seen[row.identifier] = (row.line, row.member_slug)
        summary.add(row)
        consistency.check(row)
    if result.errors:
        # The rows that could not be read are reported alone, as they are fixed first.
        return summary
    result.errors += consistency.errors
    _check_against_database(summary, result)
    _check_moves(summary, seen, result)
    return summary


def parsed_rows(path, result: ImportResult):
    """The file's rows, parsed, one at a time. A row that cannot be parsed is not given: its
    errors are added to the result (a file that cannot be read at all gives none)."""
    record_lines = []  # the lines of the record being read, to say where csv stopped
    reader = csv.reader(_kept(_lines(path), record_lines))
    header, start = None, 1
    try:
        header = next(reader, None)
        record_lines.clear()
        if not header or not any(header):
            result.errors.append(RowError(1, "", "the file is empty: no header row"))
            return
        if _check_header(header, result):
            return
        parsed_header = Header(header)
        start = reader.line_num + 1
        for record in reader:
            record_lines.clear()
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            result.rows += 1
            if len(record) != len(header):
                result.errors.append(RowError(line, "", f"has {len(record)} fields where the header has "
                                                        f"{len(header)}"))
                continue
            row = _parse_row(line, parsed_header, record, result)
            if row is not None and row.identifier in result.leave:
                result.left.append(LeftRow(line, row.identifier))
            elif row is not None:
                yield row
    except _NotUTF8 as error:
        # Refused whole, alone: whatever the rows before it said is beside the point.
        result.errors[:] = [RowError(error.line, "", "the file is not UTF-8 text (is it a CSV export?)")]
        result.rows = 0
        return
    except _OutOfBounds as error:
        result.errors[:] = [error.row_error]
        result.rows = 0
        return
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            position = _field_position("".join(record_lines))
            names = header or []
            column = names[position] if position < len(names) else f"field {position + 1}"
            result.errors.append(RowError(start, column, CELL_TOO_LONG))
        else:
            result.errors.append(RowError(reader.line_num, "", f"unreadable CSV: {error}"))
        return
    result.unknown_columns = [name for name in header if name not in oc.BY_NAME]


def _kept(lines, kept: list):
    """The lines, each also added to `kept` (which the reader of the records empties)."""
    for line in lines:
        kept.append(line)
        yield line


def _field_position(text: str) -> int:
    """Which field (from 0) of a record's text csv refused as too long: the first longer than
    the limit, counted by the commas outside quotes before it (a doubled quote inside quotes
    toggles twice, so it counts right; quotes are not counted as characters of the field)."""
    position, quoted, length = 0, False, 0
    for character in text:
        if character == '"':
            quoted = not quoted
        elif character == "," and not quoted:
            position, length = position + 1, 0
        else:
            length += 1
            if length > MAX_CELL_CHARACTERS:
                break
    return position


class _NotUTF8(Exception):
    """A line of the file is not UTF-8: the file is refused whole."""

    def __init__(self, line):
        super().__init__(line)
        self.line = line


class _OutOfBounds(Exception):
    """The file exceeds one of the bounds above: refused whole, with that bound's RowError."""

    def __init__(self, row_error):
        super().__init__(str(row_error))
        self.row_error = row_error


def _within_bounds(path, result) -> bool:
    """Whether the file is within MAX_FIELDS, MAX_RECORD_CHARACTERS, MAX_ROWS and MAX_LINE_BYTES,
    found by one pass over its lines that holds one line at a time and builds no record (commas
    outside quotes counted); else the first excess is the result's only error. A file that is
    not UTF-8 passes here: reading it says so, with its line."""
    records, quoted, start, fields, size = 0, False, 1, 1, 0
    try:
        for number, line in enumerate(_lines(path), start=1):
            if not quoted:  # a new record
                start, fields, size = number, 1, 0
            if quoted or '"' in line:
                fields += QUOTED.sub("", '"' + line if quoted else line).count(",")
            else:
                fields += line.count(",")
            if fields > MAX_FIELDS:
                raise _OutOfBounds(RowError(start, "", f"has more than the {MAX_FIELDS:,} fields a row "
                                                       f"may have"))
            size += len(line)
            if size > MAX_RECORD_CHARACTERS:
                raise _OutOfBounds(RowError(start, "", ROW_TOO_LONG))
            if line.count('"') % 2:
                quoted = not quoted
            if not quoted:
                records += 1
                if records > MAX_ROWS + 1:
                    raise _OutOfBounds(RowError(number, "", f"the file has more than the {MAX_ROWS:,} rows "
                                                            f"an import may hold"))
    except _NotUTF8:
        return True
    except _OutOfBounds as error:
        result.errors.append(error.row_error)
        return False
    return True


def _lines(path):
    """The file's lines as text, read one at a time, each ending with its "\\n" (UTF-8, with or
    without a BOM); a line longer than MAX_LINE_BYTES is _OutOfBounds, found before it is held.

    Only "\\n" ends a line, so a record's line number is its line in any editor; a file whose
    lines end with "\\r" alone (it has no "\\n") is split by StringIO as csv expects.
    """
    with open(path, "rb") as handle:
        first = _bounded_line(handle, 1)
        # A UTF-8 character never holds the byte of "\n": each line decodes alone.
        text = _decode(first, 1, "utf-8-sig")
        if not first.endswith(b"\n"):
            yield from io.StringIO(text, newline="")
            return
        yield text
        number = 2
        while line := _bounded_line(handle, number):
            yield _decode(line, number)
            number += 1


def _bounded_line(handle, number) -> bytes:
    line = handle.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        raise _OutOfBounds(RowError(number, "", f"the line is longer than the {MAX_LINE_BYTES:,} bytes "
                                                f"a line may hold"))
    return line


def _decode(line: bytes, number: int, encoding="utf-8") -> str:
    try:
        return line.decode(encoding)
    except UnicodeDecodeError as error:
        raise _NotUTF8(number + line[:error.start].count(b"\n")) from error


def _check_header(header, result) -> bool:
    refused = False
    counts = Counter(header)
    for name, count in counts.items():
        if count > 1:
            result.errors.append(RowError(1, name, f"the column appears {count} times"))
            refused = True
    for name in oc.REQUIRED:
        if name not in counts:
            result.errors.append(RowError(1, name, "required column is missing"))
            refused = True
    return refused


def _parse_row(line, header, raw, result) -> ParsedRow | None:
    record = [unneutralise(cell) for cell in raw]
    cells = dict(zip(header.names, record, strict=True))
    values, failed = {}, False
    for name, cell in cells.items():
        # Refused rather than removed: the row is the IRM's record, and a file that carries one
        # is not a clean export (removing would store a text no one wrote, silently). Every
        # cell, modelled or kept in ogp_extra: each is shown or exported somewhere (feeds and
        # XLSX cannot hold them). Tab, newline and carriage return are text (validators).
        found = validators.first_control_character(cell)
        if found is not None:
            character = found[0]
            result.errors.append(RowError(line, name, f"contains the control character U+{ord(character):04X}"
                                                      f"; only tab and newline may be in a text"))
            failed = True

    def parse(column):
        nonlocal failed
        try:
            values[column.name] = column.parse(cells[column.name])
        except ValueError as error:
            result.errors.append(RowError(line, column.name, str(error)))
            failed = True

    # The plan's year decides which report columns belong to (see columns.NEW_MODEL_FROM).
    parse(oc.BY_NAME["Year Of Submission"])
    year = values.get("Year Of Submission", 0)
    for name in cells:
        column = oc.BY_NAME.get(name)
        if column is None or name == "Year Of Submission":
            continue
        if column.applies_to(year):
            parse(column)
    if failed:
        return None
    if not slugify(values["Country/Locality"]):
        result.errors.append(RowError(line, "Country/Locality", "has no letters or digits to name it by"))
        return None
    if values["Action Plan End Year"] < values["Year Of Submission"]:
        result.errors.append(RowError(line, "Action Plan End Year", "is before the year of submission"))
        return None
    return ParsedRow(line, header, record, values)


class _ConsistencyCheck:
    """Every row of a member, of a plan, of a plan's report must say the same about it."""

    def __init__(self):
        self.errors = []
        self.first = {}  # (entity key, column name) -> (line, value)
        self.plan_numbers = {}  # (member slug, plan number) -> (plan ogp_id, line)

    def check(self, row):
        self._agree(("member", row.member_slug), row, MEMBER_COLUMNS)
        self._agree(("action plan", row.plan_id), row, PLAN_COLUMNS)
        for column in row.slot_columns(oc.MID) + row.slot_columns(oc.FINAL):
            if column.kind == oc.YEAR and row.values[column.name] is not None:
                self._agree(("action plan's report", row.plan_id), row, [column.name])
        number_key = (row.member_slug, row.values["Action Plan Number"])
        other = self.plan_numbers.setdefault(number_key, (row.plan_id, row.line))
        if other[0] != row.plan_id:
            self.errors.append(RowError(row.line, "Action Plan Number",
                                        f"plan {row.plan_id} has the number of plan {other[0]} "
                                        f"(line {other[1]})"))

    def _agree(self, key, row, names):
        for name in names:
            if name not in row.values:
                continue
            seen = self.first.setdefault((key, name), (row.line, row.values[name]))
            if seen[1] != row.values[name]:
                self.errors.append(RowError(row.line, name, f"{row.cell(name)!r} differs from line "
                                                            f"{seen[0]} for the same {key[0]}"))


def _check_against_database(summary: FileSummary, result):
    """A plan's number must not be another plan's of the same member already in the database."""
    in_file = set(summary.plan_lines)
    taken = {}
    for batch in stored.batches(sorted(summary.members)):
        for ogp_id, slug, number in ActionPlan.objects.filter(member__slug__in=batch).values_list(
                "ogp_id", "member__slug", "number"):
            if ogp_id not in in_file:
                taken[(slug, number)] = ogp_id
    for line, member_slug, number in summary.plan_lines.values():
        other = taken.get((member_slug, number))
        if other:
            result.errors.append(RowError(line, "Action Plan Number",
                                          f"{number} is already the number of plan {other} of this member"))




def _check_moves(summary: FileSummary, commitment_rows: dict, result):
    """A row naming an existing plan or commitment of another member would move it there (and
    with it who may edit it): refused with its line, unless the import allows moves; listed."""
    names = {slug: values.get("name", slug) for slug, values in summary.members.items()}
    moved_plans = set()
    for batch in stored.batches(sorted(summary.plans)):
        for ogp_id, slug, name in ActionPlan.objects.filter(ogp_id__in=batch).values_list(
                "ogp_id", "member__slug", "member__name"):
            to_slug = summary.plans[ogp_id]["member"]
            if slug != to_slug:
                moved_plans.add(ogp_id)
                count = Commitment.objects.filter(action_plan__ogp_id=ogp_id).count()
                _add_move(result, Move(summary.plan_lines[ogp_id][0], Move.PLAN, ogp_id, name,
                                       names[to_slug], count))
    for batch in stored.batches(sorted(commitment_rows)):
        for identifier, slug, name in Commitment.objects.filter(identifier__in=batch).values_list(
                "identifier", "action_plan__member__slug", "action_plan__member__name"):
            line, to_slug = commitment_rows[identifier]
            if slug != to_slug:
                _add_move(result, Move(line, Move.COMMITMENT, identifier, name, names[to_slug]))
    result.moves.sort(key=lambda move: move.line)


def _add_move(result, move: Move):
    result.moves.append(move)
    if not result.allow_moves:
        result.errors.append(RowError(
            move.line, move.column, f"would move {move.what} from {move.from_member} to "
                                    f"{move.to_member}; moves to another member must be allowed "
                                    f"explicitly (--allow-moves, or the preview's checkbox)"))
