"""The export's rows built from plain database values, a chunk of commitments at a time.

columns.export_cell says what each of a row's 171 cells is, from model objects; the importer
uses it row by row. An export of 100,000 commitments is 17 million cells, too many for that, so
this builder reads tuples (values_list) and assembles each row from parts made once: a plan's
member and plan cells once per plan, an assessment's cells once per assessment, a scale's
spelling once per value. Only cells with a spelling kept from an import (ogp_extra) go through
export_cell itself. tests/commitments/ogp/test_export_rows.py checks both give the same cells.
"""

from itertools import islice
from operator import itemgetter
from types import SimpleNamespace

from django.db import transaction

from ogptracker.spreadsheets import neutralise
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
    """Builds export rows; with `marked`, texts a spreadsheet would run get a leading ' mark."""

    def __init__(self, marked: bool):
        self.finish = neutralise if marked else str
        self.renderers = {column.name: self._renderer(column) for column in oc.COLUMNS}
        self.commitment_cells = [self._commitment_cell(column) for column in COMMITMENT_COLUMNS]
        # Per slot and IRM model: the (renderer, tuple position) of each cell; None: not its model's.
        self.slot_cells = {(slot, new_model): [self._slot_cell(column, new_model)
                                               for column in SLOT_COLUMNS[slot]]
                           for slot in SLOTS for new_model in (False, True)}
        self.empty_slots = {key: tuple(cell[0](None) if cell else "" for cell in cells)
                            for key, cells in self.slot_cells.items()}
        self.plans = {}  # plan id -> (whether of the new IRM model, plan cells, plan as attributes)
        self.area_flags = {}  # (slug, name) of a policy area -> the positions it sets to "1"

    def _renderer(self, column):
        """A function from a model value to the column's finished cell."""
        finish, render = self.finish, column.render
        if column.kind not in FEW_VALUES:
            return lambda value: finish(render(value))
        spellings = {}

        def spelling(value):
            try:
                return spellings[value]
            except KeyError:
                spellings[value] = cell = finish(render(value))
                return cell
        return spelling

    def _commitment_cell(self, column):
        """A function from a commitment's values tuple and supporting names to the column's cell."""
        render = self.renderers[column.name]
        if column.kind == oc.SUPPORTING:
            return lambda values, supporting: render(supporting)
        positions = [COMMITMENT_FIELDS.index(field) for field in _commitment_fields(column)]
        if column.kind == oc.DATE:
            day, text = positions
            return lambda values, supporting: render((values[day], values[text]))
        at = positions[0]
        return lambda values, supporting: render(values[at])

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
        commitment_cells = tuple([cell(values, supporting) for cell in self.commitment_cells])
        flags = ["0"] * len(AREA_COLUMNS)
        for slug, name in area_links:
            for position in self._flag_positions(slug, name):
                flags[position] = "1"
        slots = {slot: _in_slot(assessments, oc.SLOT_KINDS[(slot, new_model)], plan.id) for slot in SLOTS}
        row = list(ARRANGE(plan_cells + commitment_cells + tuple(flags)
                           + self._assessment_cells(oc.MID, new_model, slots[oc.MID])
                           + self._assessment_cells(oc.FINAL, new_model, slots[oc.FINAL]) + ("",)))
        if values[2]:  # ogp_extra
            self._keep_written(row, values, supporting, plan, area_links, slots)
        return row

    def _assessment_cells(self, slot, new_model, assessment):
        if assessment is None:
            return self.empty_slots[(slot, new_model)]
        return tuple([cell[0](assessment[cell[1]]) if cell else ""
                      for cell in self.slot_cells[(slot, new_model)]])

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


def _in_slot(assessments, kind, plan_id):
    """The commitment's assessment from its own plan's report of that kind, or None."""
    for assessment in assessments:
        if assessment[1] == kind and assessment[2] == plan_id:
            return assessment
    return None


def _related(ids):
    """Per commitment of a chunk: its supporting institutions' names, its policy areas'
    (slug, name) and its assessments' ASSESSMENT_VALUES tuples."""
    supporting, areas, assessments = {}, {}, {}
    links = Commitment.supporting_institutions.through.objects.filter(commitment_id__in=ids)
    for commitment_id, name in links.values_list("commitment_id", "institution__name"):
        supporting.setdefault(commitment_id, []).append(name)
    links = Commitment.policy_areas.through.objects.filter(commitment_id__in=ids)
    for commitment_id, slug, name in links.values_list("commitment_id", "policyarea__slug",
                                                       "policyarea__name"):
        areas.setdefault(commitment_id, []).append((slug, name))
    for values in Assessment.objects.filter(commitment_id__in=ids).values_list(*ASSESSMENT_VALUES):
        assessments.setdefault(values[0], []).append(values)
    return supporting, areas, assessments


def iter_rows(queryset, chunk_size: int, marked: bool = False):
    """Each commitment's cells in the order of columns.COLUMNS."""
    builder = RowBuilder(marked)
    # In a transaction, PostgreSQL's server-side cursor streams rows as they are fetched; outside
    # one (autocommit) Django declares it WITH HOLD, and PostgreSQL then computes and stores the
    # whole result before sending the first row (seconds at 100,000 rows).
    with transaction.atomic():
        values = queryset.values_list(*COMMITMENT_FIELDS).iterator(chunk_size=chunk_size)
        while chunk := list(islice(values, chunk_size)):
            yield from builder.rows(chunk)
