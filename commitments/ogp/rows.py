"""The export's rows built from plain database values, a chunk of commitments at a time.

columns.export_cell says what each of a row's 171 cells is, from model objects; the importer
uses it row by row. An export of 100,000 commitments is 17 million cells, too many for that
(bench case "CSV export, all"; docs/decisions.md), so this builder reads tuples (values_list)
and assembles each row from parts made once: a plan's member and plan cells once per plan, an
assessment's cells once per assessment, a scale's spelling once per value. Only cells with a
spelling kept from an import (ogp_extra) go through export_cell itself.
tests/commitments/ogp/test_export_rows.py checks both give the same cells.
"""

import json
from itertools import islice
from operator import itemgetter
from types import SimpleNamespace

from django.db import transaction
from django.db.models import F, Lookup

from ogptracker.spreadsheets import FORMULA_TRIGGERS, neutralise
from reviews.models import Assessment

from ..models import ActionPlan, Commitment
from . import columns as oc

# Kinds whose cells come from a small set of values: their spellings are worked out once each.
FEW_VALUES = (oc.SCALE, oc.FLAG, oc.STATUS, oc.INT, oc.YEAR, oc.CHOICE)
SLOTS = (oc.MID, oc.FINAL)

PLAN_COLUMNS = tuple(column for column in oc.COLUMNS if column.target in (oc.MEMBER, oc.PLAN))
COMMITMENT_COLUMNS = tuple(column for column in oc.COLUMNS if column.target == oc.COMMITMENT)
AREA_COLUMNS = oc.POLICY_AREA_COLUMNS
SLOT_COLUMNS = {slot: tuple(column for column in oc.COLUMNS if column.target == slot) for slot in SLOTS}
COLUMN_INDEX = {column.name: index for index, column in enumerate(oc.COLUMNS)}
# Kinds whose model value, a non-empty str, is its own cell (Column.render gives str(value)).
TEXT_KINDS = (oc.TEXT, oc.LEAD)
# The first characters with which neutralise() may mark a text; any other text is left as it is.
MARK_STARTS = frozenset(trigger[0] for trigger in FORMULA_TRIGGERS) | {"'"}


def _plan_field(column):
    return f"member__{column.field}" if column.target == oc.MEMBER else column.field


def _commitment_fields(column):
    """The values_list fields a commitment column reads (the supporting names come per chunk)."""
    if column.kind == oc.DATE:
        return (column.field, f"{column.field}_text")
    if column.kind == oc.LEAD:
        return ("lead_institution__name",)
    if column.kind == oc.SUPPORTING:
        return ()
    return (column.field,)


PLAN_FIELDS = ("id", "submission_year", *dict.fromkeys(_plan_field(column) for column in PLAN_COLUMNS))
COMMITMENT_FIELDS = ("id", "action_plan_id", "ogp_extra",
                     *dict.fromkeys(field for column in COMMITMENT_COLUMNS
                                    for field in _commitment_fields(column)))
ASSESSMENT_FIELDS = tuple(dict.fromkeys(column.field for slot in SLOTS for column in SLOT_COLUMNS[slot]
                                        if column.field != "publication_year"))
# An assessment's tuple: its commitment, its report's kind, plan and year, then ASSESSMENT_FIELDS;
# ASSESSMENT_NAMES names them as export_cell reads an assessment.
ASSESSMENT_VALUES = ("commitment_id", "report__kind", "report__action_plan_id", "report__publication_year",
                     *ASSESSMENT_FIELDS)
ASSESSMENT_NAMES = ("commitment_id", "report_kind", "report_action_plan_id", "publication_year",
                    *ASSESSMENT_FIELDS)


def _layout():
    """Where each column's cell sits in a row's parts laid end to end: plan cells, commitment
    cells, policy-area flags, mid-term cells, end-of-term cells, then one empty cell for every
    column only an import fills (ogp_extra)."""
    offsets, start = {}, 0
    parts = (PLAN_COLUMNS, COMMITMENT_COLUMNS, AREA_COLUMNS, SLOT_COLUMNS[oc.MID], SLOT_COLUMNS[oc.FINAL])
    for part in parts:
        for index, column in enumerate(part):
            offsets[column.name] = start + index
        start += len(part)
    return itemgetter(*(offsets.get(column.name, start) for column in oc.COLUMNS))


ARRANGE = _layout()


class RowBuilder:
    """Builds export rows; with `marked`, texts a spreadsheet would run get a leading ' mark; with
    `encode`, each finished cell is moreover written as its format writes it (a CSV field, a JSON
    string: exporting.py; `str` leaves it as it is), so a line is its row's cells joined: a
    few-valued cell is encoded once per value met, a plan's cells once per plan, and only texts
    once per row."""

    def __init__(self, marked: bool, encode=str):
        self.marked, self.encode = marked, encode
        mark = neutralise if marked else str
        self.finish = lambda value: encode(mark(value))
        # An empty cell (where a column is not a row's), and a policy area's flags, finished.
        self.empty, self.flag_off, self.flag_on = (self.finish(text) for text in ("", "0", "1"))
        self.renderers = {column.name: self._renderer(column) for column in oc.COLUMNS}
        # The commitment's cells: (spellings, position in COMMITMENT_FIELDS) of the few-valued
        # columns, (renderer, position) of the texts, functions of (values, supporting names)
        # for the columns reading two fields or none, then ARRANGE's way to put them in order.
        self.commitment_cells = _grouped([self._commitment_cell(column) for column in COMMITMENT_COLUMNS])
        # Per slot and IRM model: (renderer, position in the assessment's tuple) of each cell, or
        # None where a column is not its model's; grouped as the commitment's cells.
        slot_cells = {(slot, new_model): [self._slot_cell(column, new_model) for column in SLOT_COLUMNS[slot]]
                      for slot in SLOTS for new_model in (False, True)}
        self.empty_slots = {key: tuple(cell[0](None) if cell else self.empty for cell in cells)
                            for key, cells in slot_cells.items()}
        self.slot_cells = {key: _grouped(cells) for key, cells in slot_cells.items()}
        self.plans = {}  # plan id -> (whether of the new IRM model, plan cells, plan as attributes)
        self.area_flags = {}  # (slug, name) of a policy area -> the positions it sets to "1"

    def _renderer(self, column):
        """A function from a model value to the column's finished cell."""
        finish, render = self.finish, column.render
        if column.kind in TEXT_KINDS:
            return self._text_renderer(column)
        if column.kind not in FEW_VALUES:
            return lambda value: finish(render(value))
        return _Spellings(lambda value: finish(render(value)))

    def _text_renderer(self, column):
        """As _renderer, for a text: most cells of the export are texts, each its own cell; only
        a text a spreadsheet could run, or an empty or unusual value, goes the long way."""
        finish, render, marked, encode = self.finish, column.render, self.marked, self.encode

        def text(value):
            if value.__class__ is str and value:
                return encode(neutralise(value) if marked and value[0] in MARK_STARTS else value)
            return finish(render(value))
        return text

    def _commitment_cell(self, column):
        """(renderer, position) of a one-field column; (function(values, supporting names), -1)."""
        render = self.renderers[column.name]
        if column.kind == oc.SUPPORTING:
            return (lambda values, supporting: render(supporting)), None
        positions = [COMMITMENT_FIELDS.index(field) for field in _commitment_fields(column)]
        if column.kind == oc.DATE:
            day, text = positions
            return (lambda values, supporting: render((values[day], values[text]))), None
        return render, positions[0]

    def _slot_cell(self, column, new_model):
        if column.era is not None and column.era != new_model:
            return None
        return self.renderers[column.name], ASSESSMENT_NAMES.index(column.field)

    # Parts made once ---------------------------------------------------------------------------

    def load_plans(self, plan_ids):
        missing = set(plan_ids) - self.plans.keys()
        if not missing:
            return
        for values in ActionPlan.objects.filter(pk__in=missing).values(*PLAN_FIELDS):
            plan = SimpleNamespace(**{field.removeprefix("member__"): value
                                      for field, value in values.items()})
            cells = tuple(self.renderers[column.name](getattr(plan, column.field))
                          for column in PLAN_COLUMNS)
            self.plans[plan.id] = (oc.is_new_model(plan.submission_year), cells, plan)

    def _flag_positions(self, slug, name):
        key = (slug, name)
        if key not in self.area_flags:
            keys = oc.policy_area_keys(SimpleNamespace(slug=slug, name=name))
            self.area_flags[key] = [index for index, column in enumerate(AREA_COLUMNS)
                                    if column.field in keys]
        return self.area_flags[key]

    # One chunk ---------------------------------------------------------------------------------

    def rows(self, chunk):
        """The rows of a chunk of COMMITMENT_FIELDS tuples, in the chunk's order."""
        ids = [values[0] for values in chunk]
        self.load_plans({values[1] for values in chunk})
        supporting, areas, assessments = _related(ids)
        for values in chunk:
            yield self.row(values, frozenset(supporting.get(values[0], ())), areas.get(values[0], ()),
                           assessments.get(values[0], ()))

    def row(self, values, supporting, area_links, assessments):
        new_model, plan_cells, plan = self.plans[values[1]]
        spelled, texts, others, arrange = self.commitment_cells
        commitment_cells = arrange((*[spellings[values[at]] for spellings, at in spelled],
                                    *[render(values[at]) for render, at in texts],
                                    *[render(values, supporting) for render, _none in others], self.empty))
        slots = {slot: _in_slot(assessments, oc.SLOT_KINDS[(slot, new_model)], plan.id) for slot in SLOTS}
        row = list(ARRANGE(plan_cells + commitment_cells + self._flags(area_links)
                           + self._assessment_cells(oc.MID, new_model, slots[oc.MID])
                           + self._assessment_cells(oc.FINAL, new_model, slots[oc.FINAL]) + (self.empty,)))
        if values[2]:  # ogp_extra
            self._keep_written(row, values, supporting, plan, area_links, slots)
        return row

    def _flags(self, area_links):
        flags = [self.flag_off] * len(AREA_COLUMNS)
        for slug, name in area_links:
            for position in self._flag_positions(slug, name):
                flags[position] = self.flag_on
        return tuple(flags)

    def _assessment_cells(self, slot, new_model, assessment):
        if assessment is None:
            return self.empty_slots[(slot, new_model)]
        spelled, texts, _none, arrange = self.slot_cells[(slot, new_model)]
        return arrange((*[spellings[assessment[at]] for spellings, at in spelled],
                        *[render(assessment[at]) for render, at in texts], self.empty))

    def _keep_written(self, row, values, supporting, plan, area_links, slots):
        """Put back the cells an import kept as written, by columns.py's own rule (export_cell)."""
        commitment = SimpleNamespace(**dict(zip(COMMITMENT_FIELDS, values, strict=True)))
        assessments = {slot: SimpleNamespace(**dict(zip(ASSESSMENT_NAMES, assessment, strict=True)))
                       if assessment else None for slot, assessment in slots.items()}
        sources = oc.RowSources(
            commitment=commitment, member=plan, plan=plan,
            lead_name=commitment.lead_institution__name, supporting=supporting,
            area_slugs=frozenset().union(*(oc.policy_area_keys(SimpleNamespace(slug=slug, name=name))
                                           for slug, name in area_links)),
            assessments=assessments,
            report_years={slot: assessment.publication_year if assessment else None
                          for slot, assessment in assessments.items()},
        )
        for name in commitment.ogp_extra:
            index = COLUMN_INDEX.get(name)
            if index is not None:
                row[index] = self.finish(oc.export_cell(oc.COLUMNS[index], sources, commitment.ogp_extra))


class _Spellings(dict):
    """A few-valued column's cells by model value, each worked out once, when first met: a
    lookup (spellings[value]) costs no Python call once the value has been seen."""

    def __init__(self, spell):
        super().__init__()
        self.spell = spell

    def __missing__(self, value):
        self[value] = cell = self.spell(value)
        return cell

    def __call__(self, value):
        return self[value]


def _grouped(cells):
    """Cells given as (renderer, position), None (an empty cell) or (function, None), grouped so
    that a row's cells are made by kind (spellings looked up, texts rendered, the rest called):
    (spelled, texts, others, arrange), arrange putting the three groups back in column order
    (an empty cell where a cell was None)."""
    def group(cell):
        if cell is None:
            return None
        return 0 if isinstance(cell[0], _Spellings) else 1 if cell[1] is not None else 2
    order = sorted((index for index, cell in enumerate(cells) if cell is not None),
                   key=lambda index: group(cells[index]))
    place = {index: at for at, index in enumerate(order)}
    arrange = itemgetter(*(place.get(index, len(order)) for index in range(len(cells))))
    spelled, texts, others = ([cells[index] for index in order if group(cells[index]) == kind]
                              for kind in range(3))
    return spelled, texts, others, arrange


def _in_slot(assessments, kind, plan_id):
    """The commitment's assessment from its own plan's report of that kind, or None."""
    for assessment in assessments:
        if assessment[1] == kind and assessment[2] == plan_id:
            return assessment
    return None


class _AmongIds(Lookup):
    """`column IN ids` with the ids as one parameter: an array on PostgreSQL, a JSON list read by
    json_each on SQLite. Django's `__in` binds each of a chunk's ids apart, which costs more CPU
    than running the query (bench case "CSV export, all"; docs/decisions.md)."""

    lookup_name = "among_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, [int(value) for value in self.rhs]]

    def as_sqlite(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        ids = json.dumps([int(value) for value in self.rhs])
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, ids]


def _related(ids):
    """Per commitment of a chunk: its supporting institutions' names, its policy areas'
    (slug, name) and its assessments' ASSESSMENT_VALUES tuples."""
    supporting, areas, assessments = {}, {}, {}
    of_chunk = _AmongIds(F("commitment_id"), ids)
    links = Commitment.supporting_institutions.through.objects.filter(of_chunk)
    for commitment_id, name in links.values_list("commitment_id", "institution__name"):
        supporting.setdefault(commitment_id, []).append(name)
    links = Commitment.policy_areas.through.objects.filter(of_chunk)
    for commitment_id, slug, name in links.values_list("commitment_id", "policyarea__slug",
                                                       "policyarea__name"):
        areas.setdefault(commitment_id, []).append((slug, name))
    # No ORDER BY: Assessment's default one sorts by the commitment's identifier through a join
    # (the costliest of the export's queries), and a commitment has at most one assessment per
    # plan and report kind (both unique constraints), which is all _in_slot looks for.
    for values in Assessment.objects.filter(of_chunk).order_by().values_list(*ASSESSMENT_VALUES):
        assessments.setdefault(values[0], []).append(values)
    return supporting, areas, assessments


def iter_rows(queryset, chunk_size: int, marked: bool = False):
    """Each commitment's cells in the order of columns.COLUMNS."""
    builder = RowBuilder(marked)
    # In a transaction, PostgreSQL's server-side cursor streams rows as they are fetched; outside
    # one (autocommit) Django declares it WITH HOLD, and PostgreSQL then computes and stores the
    # whole result before sending the first row (bench case "CSV export, all"; docs/decisions.md).
    with transaction.atomic():
        values = queryset.values_list(*COMMITMENT_FIELDS).iterator(chunk_size=chunk_size)
        while chunk := list(islice(values, chunk_size)):
            yield from builder.rows(chunk)
