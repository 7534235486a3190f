"""Which of a commitment's columns each filter reads, in groups that each have a version token.

A commitment's save moves the tokens of the groups whose columns it changed (saves.py), and each
cached count is tagged with the tokens of the groups its filters read (counts.py): a status saved
recounts what reads the status, nothing else. What a filter reads is derived from the FilterSet's
own declarations (its field_name), so a filter declared on a new column cannot be forgotten here:
FILTER_INPUTS refuses, at import, a filter that reads a column no group declares, or a method
filter missing from METHOD_FILTER_INPUTS (tests/commitments/test_facets_columns.py).
"""

from ..filters import CommitmentFilter
from ..models import OGP_VALUE_FIELDS, STORED_RATING_FIELDS, Commitment

# The groups of a commitment's columns the filters read, each with its own version token
# (FacetDataVersion.column_tokens).
COLUMN_GROUPS = {
    "status": ("status",),
    "starred": ("starred",),
    "action_plan": ("action_plan_id",),
    "lead_institution": ("lead_institution_id",),
    **{field: (field,) for field in STORED_RATING_FIELDS},
    # The stored counts, and the milestones' own rows (their dates and status: `overdue`), whose
    # saves and deletes move this token alone (saves.milestones_token).
    "milestones": ("milestones_counted", "milestones_complete", "first_open_end_date"),
    "value": OGP_VALUE_FIELDS,
    "carried_forward": ("carried_forward",),
}
# Every column of the commitment some filter reads: a save compares them before and after.
COUNTED_FIELDS = tuple(field for fields in COLUMN_GROUPS.values() for field in fields)

# The filters that read through a method, which their declaration does not show: the groups each
# reads, by hand. Rows other than the commitment's (plans, members, institutions, policy areas)
# move the main token when written, and the searched text moves the text token: neither is a group.
METHOD_FILTER_INPUTS = {
    "q": (),  # the search text (counts.match_version)
    "policy_area": (),  # the policy areas' links
    "value": ("value",),
    "starred": ("starred",),
    "overdue": ("milestones",),  # the milestones' rows only; the day is in the cache key
    # progress.annotate(): the IRM's latest completion against the milestones counted.
    "progress_disagrees": ("mid_term_completion", "end_of_term_completion", "milestones"),
}
# Query parameters that do not change what matches, nor any count.
NOT_COUNTED = {"page", "sort"}


class UndeclaredColumn(Exception):
    """A filter reads a column of the commitment that no group declares (its counts would stay stale)."""


def filter_inputs(filterset_class=CommitmentFilter) -> dict:
    """{filter name: the COLUMN_GROUPS it reads}, from the FilterSet's declarations."""
    group_of = {column: group for group, columns in COLUMN_GROUPS.items() for column in columns}
    inputs = {}
    for name, declared in filterset_class.base_filters.items():
        if name in NOT_COUNTED:
            continue
        if declared.method is not None:
            if name not in METHOD_FILTER_INPUTS:
                raise UndeclaredColumn(f"the filter {name!r} reads through a method: say in "
                                       f"METHOD_FILTER_INPUTS which column groups it reads")
            inputs[name] = METHOD_FILTER_INPUTS[name]
            continue
        field = Commitment._meta.get_field(declared.field_name.split("__")[0])
        if not field.concrete or field.many_to_many:  # other rows: the main token covers them
            inputs[name] = ()
            continue
        if field.attname not in group_of:
            raise UndeclaredColumn(f"the filter {name!r} reads the column {field.attname!r}, which no "
                                   f"group of COLUMN_GROUPS declares")
        inputs[name] = (group_of[field.attname],)
    return inputs


FILTER_INPUTS = filter_inputs()


def inputs(filters) -> list:
    """The column groups these filters read, in a fixed order; a filter not known reads them all
    (exact by default)."""
    groups = set()
    for name in filters:
        groups.update(FILTER_INPUTS.get(name, COLUMN_GROUPS))
    return sorted(groups)
