"""Writing a checked OGP export: members, plans, institutions, policy areas, IRM reports, then
commitments and assessments, in bulk, all in one transaction or not at all.

Values are compared first, so importing the same file twice changes nothing. The second pass
reads the file again (reading.parsed_rows) and writes its commitments a batch at a time, so
memory stays flat. Used by `manage.py import_ogp` and by the admin's import page.
"""

from collections import defaultdict

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import override
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reviews.models import Assessment, IRMReport

from .. import services, stored
from ..freshness import saves
from ..models import (
    OGP_VALUE_FIELDS,
    ActionPlan,
    Commitment,
    Institution,
    Member,
    PolicyArea,
    institution_key,
    preferred_spelling,
)
from . import columns as oc
from .extra import text_entries
from .reading import FileSummary, ImportResult, RowError, check_file, parsed_rows
from .spellings import same_text

# Rows of the file written per batch: the rows of a batch (and their objects) are all that is
# held in memory at once.
WRITE_BATCH = 500
# The note of the history records an import writes (shown on the public timeline).
IMPORT_CHANGE_REASON = "Imported from OGP's commitments data"


class _FileChanged(Exception):
    """The second pass did not read the rows the first one checked."""


def import_ogp(path, *, dry_run: bool = False, user=None, allow_moves: bool = False,
               leave=()) -> ImportResult:
    """Import a CSV file, given by its path. With errors, or with dry_run, nothing is written.

    `user` is recorded as the author of the changes in the commitments' history. A row that
    gives an existing plan or commitment to another member refuses the file unless
    `allow_moves`; either way the moves are listed in the result. The rows of the commitments
    identified in `leave` are left out whole (listed in result.left): nothing of them is written.
    """
    result = ImportResult(dry_run=dry_run, allow_moves=allow_moves, leave=frozenset(leave))
    # Two passes, so that memory does not grow with the rows: all rows are checked before the
    # first write (a bad file is refused whole), and only their keys are kept for the writes.
    summary = check_file(path, result)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            with saves.bulk_write() as written:
                _Writer(path, summary, result, user).write(written)
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as error:
        # A constraint the checks above did not foresee: refuse the file rather than fail.
        result.errors.append(RowError(0, "", f"the database refused the import: {error}"))
    except _FileChanged:
        result.errors.append(RowError(0, "", "the file changed while it was imported"))
    return result


def plan_title(member_name, submission_year, end_year) -> str:
    return f"{member_name} Action Plan {submission_year}-{end_year}"


def report_title(plan, kind) -> str:
    with override("en"):
        label = str(IRMReport.Kind(kind).label)
    return f"{plan.member.name} {label} {plan.submission_year}-{plan.end_year}"


# Writing ----------------------------------------------------------------------------------------

COMMITMENT_TEXT_COLUMNS = {column.name: column.field for column in oc.COLUMNS
                           if column.target == oc.COMMITMENT and column.kind in (
                               oc.TEXT, oc.SCALE, oc.FLAG, oc.STATUS)}
# The IRM's reading of the OGP values also fills the commitment's own flags (the export has
# no other source for them), so the list's value filters work on imported data.
OGP_VALUE_COLUMNS = {column.name: column.field for column in oc.COLUMNS
                     if column.target == oc.MID and column.field in OGP_VALUE_FIELDS}


def _same_by_column(*targets):
    """services.apply_values' `same` for the fields of these targets: a field's new value is its
    current one when its column says so (columns.Column.same_value: "2016.0" read as 2016 is
    2016, "4.1" is "4.0999999999999996"), so a file saved again by a spreadsheet updates nothing."""
    # A report's publication year is its report's, not a field of the assessment beside it.
    by_field = {column.field: column for column in oc.COLUMNS
                if column.target in targets and column.kind != oc.YEAR}

    def same(name, current, value):
        column = by_field.get(name)
        return column.same_value(value, current) if column else current == value
    return same


SAME_MEMBER = _same_by_column(oc.MEMBER)
SAME_PLAN = _same_by_column(oc.PLAN)
SAME_ASSESSMENT = _same_by_column(oc.MID, oc.FINAL)


class _Writer:
    """Writes a checked file in bulk, in dependency order, counting what it creates and updates.

    Members, plans, institutions, policy areas and reports come from the first pass's summary;
    commitments and assessments from a second reading of the file, a batch of rows at a time.
    """

    def __init__(self, path, summary: FileSummary, result, user):
        self.path = path
        self.summary = summary
        self.result = result
        self.user = user
        self.now = timezone.now()

    def write(self, written):
        self.members = self._write_members()
        self.plans = self._write_plans()
        self.institutions = self._write_institutions()
        self.areas = self._write_policy_areas()
        self.reports = self._write_reports()
        changed_ids = self._write_all_commitments()
        # Bulk writes send no signals: what is stored on the commitments is refreshed by
        # bulk_write, the search text of those written, the IRM ratings of every commitment of the
        # file's plans (a report's year or kind may change which report is a commitment's latest).
        written.commitments(changed_ids, ratings=False, milestone_counts=False)
        plan_ids = [plan.pk for plan in self.plans.values()]
        written.commitments(Commitment.objects.filter(
            Q(action_plan__in=plan_ids) | Q(assessments__report__action_plan__in=plan_ids)),
            milestone_counts=False, search_text=False)

    def _save(self, model, entity, to_create, to_update, fields):
        if model is Commitment:
            services.commitments_import(to_create, to_update, fields, user=self.user,
                                        note=IMPORT_CHANGE_REASON, when=self.now, batch_size=WRITE_BATCH)
        elif hasattr(model, "history"):
            # Assessments keep their public change history, in bulk too (commitments: services).
            history = {"default_user": self.user, "default_change_reason": IMPORT_CHANGE_REASON,
                       "default_date": self.now}
            bulk_create_with_history(to_create, model, batch_size=WRITE_BATCH, **history)
            if to_update and fields:
                bulk_update_with_history(to_update, model, sorted(fields), batch_size=WRITE_BATCH, **history)
        else:
            model.objects.bulk_create(to_create, batch_size=WRITE_BATCH)
            if to_update and fields:
                model.objects.bulk_update(to_update, sorted(fields), batch_size=WRITE_BATCH)
        self.result.created[entity] += len(to_create)
        self.result.updated[entity] += len(to_update)

    def _write_members(self):
        wanted = {slug: dict(values) for slug, values in self.summary.members.items()}
        members = {}
        for batch in stored.batches(wanted):
            members.update({member.slug: member for member in Member.objects.filter(slug__in=batch)})
        to_create, to_update, fields = [], [], set()
        for slug, values in wanted.items():
            member = members.get(slug)
            if member is None:
                members[slug] = member = Member(slug=slug, **values)
                to_create.append(member)
            elif changed := services.apply_values(member, values, SAME_MEMBER):
                to_update.append(member)
                fields.update(changed)
        self._save(Member, "members", to_create, to_update, fields)
        return members

    def _write_plans(self):
        wanted = {ogp_id: {**values, "member": self.members[values["member"]]}
                  for ogp_id, values in self.summary.plans.items()}
        plans = {}
        for batch in stored.batches(wanted):
            plans.update({plan.ogp_id: plan for plan in
                          ActionPlan.objects.filter(ogp_id__in=batch).select_related("member")})
        to_create, to_update, fields = [], [], set()
        for ogp_id, values in wanted.items():
            member = values["member"]
            plan = plans.get(ogp_id)
            if plan is None:
                values["title"] = plan_title(member.name, values["submission_year"], values["end_year"])
                plans[ogp_id] = plan = ActionPlan(**values)
                to_create.append(plan)
                continue
            # A title that was generated follows the plan's member and years; one set by hand stays.
            if plan.title == plan_title(plan.member.name, plan.submission_year, plan.end_year):
                values["title"] = plan_title(member.name, values["submission_year"], values["end_year"])
            if changed := services.apply_values(plan, values, SAME_PLAN):
                to_update.append(plan)
                fields.update("member_id" if name == "member" else name for name in changed)
        self._save(ActionPlan, "action plans", to_create, to_update, fields)
        return plans

    def _write_institutions(self):
        """Each name in the file -> its institution. Names of one key (models.institution_key: they
        differ only by accents, case or spacing) are one institution: the existing one, whatever
        its spelling (an import never renames), or one new under the file's preferred spelling."""
        spellings = defaultdict(dict)  # key -> name -> rows naming it
        for name, uses in self.summary.institutions.items():
            spellings[institution_key(name)][name] = uses
        by_key = {}
        for batch in stored.batches(sorted(spellings)):
            by_key.update({institution.name_key: institution
                           for institution in Institution.objects.filter(name_key__in=batch)})
        to_create = [Institution(name=preferred_spelling(names), name_key=key)
                     for key, names in sorted(spellings.items()) if key not in by_key]
        self._save(Institution, "institutions", to_create, [], ())
        by_key.update({institution.name_key: institution for institution in to_create})
        return {name: by_key[key] for key, names in spellings.items() for name in names}

    def _write_policy_areas(self):
        present = self.summary.area_columns
        slugs = {column.field for column in present}
        names = {column.name for column in present}
        # An area is created when a row is tagged with it, not for every column of the file.
        used = self.summary.used_areas
        areas = {}
        for area in PolicyArea.objects.filter(slug__in=slugs):
            areas[area.slug] = area
        by_name = {area.name: area for area in PolicyArea.objects.filter(name__in=names)}
        to_create = []
        for column in present:
            if column.field in areas or (column.field not in used and column.name not in by_name):
                continue
            # An area of the same name under another slug (entered by hand) is the same area.
            area = by_name.get(column.name) or PolicyArea(name=column.name, slug=column.field)
            if area.pk is None:
                to_create.append(area)
            areas[column.field] = area
        self._save(PolicyArea, "policy areas", to_create, [], ())
        return areas

    def _write_reports(self):
        wanted = self.summary.reports  # (plan ogp_id, kind) -> publication year or None
        plan_ids = [plan.pk for plan in self.plans.values() if plan.pk]
        reports = {}
        for batch in stored.batches(plan_ids):
            for report in IRMReport.objects.filter(action_plan_id__in=batch).select_related("action_plan"):
                reports[(report.action_plan.ogp_id, report.kind)] = report
        to_create, to_update = [], []
        for (ogp_id, kind), year in wanted.items():
            report = reports.get((ogp_id, kind))
            if report is None:
                plan = self.plans[ogp_id]
                report = IRMReport(action_plan=plan, kind=kind, title=report_title(plan, kind),
                                   publication_year=year)
                reports[(ogp_id, kind)] = report
                to_create.append(report)
            elif year is not None and services.apply_values(report, {"publication_year": year}):
                to_update.append(report)
        self._save(IRMReport, "IRM reports", to_create, to_update, {"publication_year"})
        return reports

    def _write_all_commitments(self) -> list[int]:
        """Second pass: the file's rows again, their commitments written a batch at a time.

        Returns the ids of the commitments created or updated."""
        reread = ImportResult(leave=self.result.leave)
        changed_ids, batch = [], []
        for row in parsed_rows(self.path, reread):
            batch.append(row)
            if len(batch) == WRITE_BATCH:
                changed_ids += self._write_commitments(batch)
                # Emptied before the next row is read: one batch of rows is held at a time.
                batch.clear()
        if batch:
            changed_ids += self._write_commitments(batch)
        if reread.errors or reread.rows != self.result.rows:
            raise _FileChanged
        return changed_ids

    def _write_commitments(self, rows) -> list[int]:
        existing = {}
        for batch in stored.batches([row.identifier for row in rows]):
            existing.update({commitment.identifier: commitment for commitment in
                             Commitment.objects.filter(identifier__in=batch).select_related("lead_institution")})
        supporting, areas, assessments = self._load_relations([c.pk for c in existing.values()])

        to_create, to_update, fields = [], [], set()
        pending = []  # (commitment, supporting ids or None, policy area ids, assessments by slot)
        for row in rows:
            commitment = existing.get(row.identifier) or Commitment(identifier=row.identifier)
            plan = self.plans[row.plan_id]
            changed = services.apply_values(commitment, self._commitment_values(row, plan, commitment))
            slots = self._assessments_for(row, plan, commitment, assessments)
            current_supporting = supporting.get(commitment.pk, set())
            wanted_supporting = None
            if "Supporting Institution(s)" in row.values:
                wanted_supporting = {self.institutions[name].pk
                                     for name in row.values["Supporting Institution(s)"]}
            current_areas = areas.get(commitment.pk, set())
            wanted_areas = self._area_ids(row, current_areas)
            extra = self._extra(row, commitment, plan, slots, wanted_areas)
            if extra != commitment.ogp_extra:
                commitment.ogp_extra = extra
                changed.append("ogp_extra")
            relations_changed = wanted_areas != current_areas or (
                wanted_supporting is not None and wanted_supporting != current_supporting)
            if commitment.pk is None:
                to_create.append(commitment)
            elif changed or relations_changed:
                to_update.append(commitment)
                fields.update(changed)
            pending.append((commitment, wanted_supporting, wanted_areas, slots))
        self._save(Commitment, "commitments", to_create, to_update,
                   {name.removesuffix("_id") for name in fields})
        self._write_m2m(pending, supporting, areas)
        self._write_assessments(pending)
        return [commitment.pk for commitment in to_create + to_update]

    def _load_relations(self, commitment_ids):
        supporting, areas = defaultdict(set), defaultdict(set)
        assessments = {}
        through_supporting = Commitment.supporting_institutions.through
        through_areas = Commitment.policy_areas.through
        for batch in stored.batches(commitment_ids):
            for commitment_id, institution_id in through_supporting.objects.filter(
                    commitment_id__in=batch).values_list("commitment_id", "institution_id"):
                supporting[commitment_id].add(institution_id)
            for commitment_id, area_id in through_areas.objects.filter(
                    commitment_id__in=batch).values_list("commitment_id", "policyarea_id"):
                areas[commitment_id].add(area_id)
            for assessment in Assessment.objects.filter(commitment_id__in=batch):
                assessments[(assessment.commitment_id, assessment.report_id)] = assessment
        # The export finds an area's column by its slug or its slugified name.
        area_ids = {area_id for ids in areas.values() for area_id in ids}
        known = {area.pk: area for area in self.areas.values()}
        known.update({area.pk: area for area in PolicyArea.objects.filter(pk__in=area_ids - set(known))})
        self.area_keys = {pk: oc.policy_area_keys(area) for pk, area in known.items()}
        return supporting, areas, assessments

    def _area_ids(self, row, current_ids) -> set:
        """The commitment's policy areas after the import: the file's 0/1 cells decide the areas
        it has columns for; areas outside them (entered by hand) stay."""
        ids = set(current_ids)
        for column in oc.POLICY_AREA_COLUMNS:
            if column.name in row.values and column.field in self.areas:
                area = self.areas[column.field]
                ids.discard(area.pk)
                if row.values[column.name]:
                    ids.add(area.pk)
        return ids

    @staticmethod
    def _unchanged(row, name, commitment) -> bool:
        """Whether the cell is what the export writes for the commitment's current value, or
        another spelling of that value (a spreadsheet's "12/31/20" for "12/31/2020"): then what
        is stored, its spelling included, stays (equal is unchanged).

        Reading it again could still change the record: a date entered without its text exports
        as "3/1/2021" and would come back with that text; an empty theme exports as "NA".
        """
        if commitment.pk is None:
            return False
        column = oc.BY_NAME[name]
        if column.kind == oc.DATE:
            current = getattr(commitment, column.field), getattr(commitment, f"{column.field}_text")
        else:
            current = getattr(commitment, column.field)
        return column.render(current) == row.cell(name) or column.same_value(row.values[name], current)

    def _commitment_values(self, row, plan, commitment) -> dict:
        values = {"action_plan_id": plan.pk}
        for name, field_name in COMMITMENT_TEXT_COLUMNS.items():
            # None: a missing code the model cannot hold (an "Active Commitment" of ND); the
            # stored value stays and the code is kept in ogp_extra for the export.
            if row.values.get(name) is not None and not self._unchanged(row, name, commitment):
                values[field_name] = row.values[name]
        for name in ("Start Date", "End Date"):
            if name in row.values and not self._unchanged(row, name, commitment):
                field_name = oc.BY_NAME[name].field
                values[field_name], values[f"{field_name}_text"] = row.values[name]
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            # A plan's typo (an end before the start) cannot be stored as dates; the texts stay.
            values["start_date"] = values["end_date"] = None
        if "Lead Institution" in row.values:
            lead = row.values["Lead Institution"]
            values["lead_institution_id"] = self.institutions[lead].pk if lead else None
        for name, field_name in OGP_VALUE_COLUMNS.items():
            # Only a rating says something; ND, NR or NA leave the commitment's own flag alone.
            if row.values.get(name) in ("yes", "no"):
                values[field_name] = row.values[name] == "yes"
        return values

    def _assessments_for(self, row, plan, commitment, existing) -> dict:
        """The commitment's assessment per report slot after the import (None: it has none)."""
        slots = {}
        for slot in (oc.MID, oc.FINAL):
            report = self.reports.get((plan.ogp_id, oc.slot_kind(slot, plan.submission_year)))
            assessment = existing.get((commitment.pk, report.pk)) if report and commitment.pk else None
            if assessment is None and row.slot_has_values(slot):
                assessment = Assessment(report=report)
            if assessment is not None:
                assessment.report = report  # the instance holding this import's publication year
                values = {column.field: row.values[column.name] for column in row.slot_columns(slot)
                          if column.kind != oc.YEAR}
                assessment.import_changes = services.apply_values(assessment, values, SAME_ASSESSMENT)
            slots[slot] = assessment
        return slots

    def _extra(self, row, commitment, plan, slots, area_ids) -> dict:
        """ogp_extra after the import: unmodelled cells, and modelled ones the model cannot spell."""
        # Only the text cells of what is stored: anything else there (a number, a list) is no cell.
        extra = text_entries(commitment.ogp_extra)
        # The names the export writes: each institution's own, so a cell naming it otherwise
        # ("Secretaria" for "Secretaría") is a spelling kept below.
        if "Lead Institution" in row.values:
            lead = row.values["Lead Institution"]
            lead_name = self.institutions[lead].name if lead else None
        else:
            lead_name = commitment.lead_institution.name if commitment.lead_institution_id else None
        sources = oc.RowSources(
            commitment=commitment, member=plan.member, plan=plan, lead_name=lead_name,
            supporting=frozenset(self.institutions[name].name
                                 for name in row.values.get("Supporting Institution(s)", ())),
            area_slugs=frozenset().union(*(self.area_keys[pk] for pk in area_ids)),
            assessments=slots,
            report_years={slot: (assessment.report.publication_year if assessment else None)
                          for slot, assessment in slots.items()},
        )
        for name, cell in row.cells:
            column = oc.BY_NAME.get(name)
            if column is None or not column.applies_to(plan.submission_year):
                if same_text(cell, extra.get(name, "")):
                    continue  # the cell kept (or none) in another spelling: it stays as it was
                # The export writes an absent cell as empty: no need to keep empty ones.
                if cell:
                    extra[name] = cell
                else:
                    extra.pop(name, None)
            elif column.same_cell(cell, oc.export_cell(column, sources, extra)):
                continue  # what the export writes now, spelled otherwise: its spelling stays
            elif oc.export_cell(column, sources, {}) != cell:
                extra[name] = cell
            else:
                extra.pop(name, None)
        return extra

    def _write_m2m(self, pending, supporting, areas):
        for through, current_by_commitment, index, column in (
            (Commitment.supporting_institutions.through, supporting, 1, "institution_id"),
            (Commitment.policy_areas.through, areas, 2, "policyarea_id"),
        ):
            to_add, to_remove = [], defaultdict(list)  # removed: target id -> commitment ids
            for item in pending:
                commitment, wanted = item[0], item[index]
                if wanted is None:
                    continue
                current = current_by_commitment.get(commitment.pk, set())
                to_add += [through(commitment_id=commitment.pk, **{column: pk})
                           for pk in sorted(wanted - current)]
                for pk in current - wanted:
                    to_remove[pk].append(commitment.pk)
            # One DELETE per institution or area removed, however many commitments lose it.
            for target_id, commitment_ids in to_remove.items():
                for batch in stored.batches(commitment_ids):
                    through.objects.filter(**{column: target_id}, commitment_id__in=batch).delete()
            through.objects.bulk_create(to_add, batch_size=WRITE_BATCH)

    def _write_assessments(self, pending):
        to_create, to_update, fields = [], [], set()
        for commitment, _supporting, _areas, slots in pending:
            for assessment in slots.values():
                if assessment is None:
                    continue
                if assessment.pk is None:
                    assessment.commitment = commitment
                    assessment.report_id = assessment.report.pk
                    to_create.append(assessment)
                elif assessment.import_changes:
                    to_update.append(assessment)
                    fields.update(assessment.import_changes)
        self._save(Assessment, "assessments", to_create, to_update, fields)

