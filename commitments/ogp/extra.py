"""What Commitment.ogp_extra may hold, which of its columns are the IRM's, and what an export takes from it.

ogp_extra keeps cells of OGP's export as written: the columns ogptracker does not model (the
admin offers each of them as a text input) and, written by the importer only, spellings of
modelled cells the model cannot reproduce. A valid ogp_extra maps OGP column names to text.
Anything else found there (a number, a list, a key no export has, written by `.update()` or an
old bug) is left out wherever it is read, never trusted.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import columns as oc

# The columns only an import fills: ogptracker models nothing of them, the admin offers each.
KEPT_COLUMNS = tuple(column.name for column in oc.COLUMNS if column.target == oc.EXTRA)
# Of those, the ones that are facts of the plan or of OGP's sheet, not findings of the IRM.
_NOT_IRM = frozenset({"Commitment Dummy", "Action Plan Duration (Years)", "Updated? (Website)",
                      "Subnational in NAPs", "id"})
# The IRM's columns: its ratings per report (modelled on assessments), the commitment's star and
# carried forward, and every unmodelled column derived from them ("Max star", "_CompletionEndTerm",
# "Binding constraint", ...). Only those who may write assessments write these.
IRM_COLUMNS = frozenset(
    [column.name for column in oc.COLUMNS if column.target in (oc.MID, oc.FINAL)]
    + ["Carried Forward", "Star - Most Recently Assessed"]
    + [name for name in KEPT_COLUMNS if name not in _NOT_IRM])
SECRETARIAT_COLUMNS = tuple(name for name in KEPT_COLUMNS if name not in IRM_COLUMNS)
IRM_KEPT_COLUMNS = tuple(name for name in KEPT_COLUMNS if name in IRM_COLUMNS)
# OGP's cells are short (the longest in the sample is ten characters): a longer one is a mistake.
CELL_MAX_LENGTH = 200


def field_name(column: str) -> str:
    """The admin form field of a kept column ("Max star" -> "ogp_max_star")."""
    return "ogp_" + re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")


FIELD_NAMES = {column: field_name(column) for column in KEPT_COLUMNS}
assert len(set(FIELD_NAMES.values())) == len(KEPT_COLUMNS), "two kept columns share a field name"


def text_entries(stored) -> dict[str, str]:
    """The text cells of a stored ogp_extra, whatever it holds: {} for anything but a mapping."""
    if not isinstance(stored, dict):
        return {}
    return {name: cell for name, cell in stored.items() if isinstance(name, str) and isinstance(cell, str)}


def for_export(stored) -> dict[str, str]:
    """What an export may take from a stored ogp_extra: text cells of OGP's own columns."""
    return {name: cell for name, cell in text_entries(stored).items() if name in oc.BY_NAME}


# The columns the project computes (from members, plans, commitments, assessments): a kept cell
# of one of these is only a spelling, and may_replace says when it stands.
COMPUTED_COLUMNS = frozenset(column.name for column in oc.COLUMNS if column.target != oc.EXTRA)


def may_replace(column: oc.Column, written: str, nothing_computed: bool) -> bool:
    """Whether a kept cell may stand in an export where the project computes the column itself.

    columns.export_cell already keeps a modelled cell only while it means the model's value;
    where the model holds none (no assessment of that report, no lead institution) it would keep
    any text, so "Complete" stored for a report that never assessed the commitment would read as
    the IRM's finding. There only a spelling of "nothing" (ND, NR, NA, empty) stands.
    """
    if column.name not in COMPUTED_COLUMNS or not nothing_computed:
        return True
    return written.strip() in oc.EMPTY_SPELLINGS


def validate(mapping) -> None:
    """A valid ogp_extra: OGP column names to text of at most CELL_MAX_LENGTH characters."""
    if not isinstance(mapping, dict):
        raise ValidationError(
            _("The other OGP export columns must map column names of OGP's export to text."),
            code="ogp_extra")
    problems = []
    for name, cell in mapping.items():
        if name not in oc.BY_NAME:
            problems.append(ValidationError(_("“%(column)s” is not a column of OGP's export."),
                                            code="ogp_extra_column", params={"column": name}))
        elif not isinstance(cell, str):
            problems.append(ValidationError(_("The cell of “%(column)s” must be text."),
                                            code="ogp_extra_cell", params={"column": name}))
        elif len(cell) > CELL_MAX_LENGTH:
            problems.append(ValidationError(
                _("The cell of “%(column)s” is longer than %(limit)s characters."),
                code="ogp_extra_cell", params={"column": name, "limit": CELL_MAX_LENGTH}))
    if problems:
        raise ValidationError(problems)


def merged(stored, posted: dict[str, str], *, irm: bool, others: bool) -> dict[str, str]:
    """ogp_extra after an admin save: each offered column as posted (empty: not kept) where the
    user may write it (irm: the IRM's columns, others: the rest), as stored where not; what the
    admin does not offer (the importer's spellings of modelled cells) kept as it was."""
    result = text_entries(stored)
    for name in KEPT_COLUMNS:
        if (irm if name in IRM_COLUMNS else others) and name in posted:
            if posted[name]:
                result[name] = posted[name]
            else:
                result.pop(name, None)
    return result


# Each commitment field and the export column that writes it: an edit of the field by hand says
# what the import's kept spelling (e.g. a missing code "ND" for the status) no longer may.
_COLUMN_OF_FIELD = {column.field: column.name for column in oc.COLUMNS
                    if column.target == oc.COMMITMENT and column.field}


def without_written(stored, fields) -> dict:
    """ogp_extra once the fields were edited by hand: their kept import spellings dropped."""
    dropped = {_COLUMN_OF_FIELD[name] for name in fields if name in _COLUMN_OF_FIELD}
    return {name: cell for name, cell in text_entries(stored).items() if name not in dropped}
