"""Who may edit what: the one place the admin and the staff pages ask.

Three roles:
- secretariat staff: a StaffMembership per member; they edit that member's action plans,
  commitments and milestones, and nothing of other members;
- IRM reviewers: the "IRM reviewers" group (reviews migration 0003) holds the model permissions
  on reports and assessments; they read commitments but do not edit them;
- superusers: everything.
Django's own model permissions are not enough for the first role, since they cannot say
"only Chile's commitments": the secretariat's rights come from the memberships alone.
"""

from django.db.models import QuerySet
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from reviews.models import Assessment

from .models import OGP_VALUE_FIELDS, STORED_RATING_FIELDS, Member, StaffMembership
from .ogp import extra

REVIEWERS_GROUP = "IRM reviewers"
SECRETARIAT_AUTHOR = "Secretariat"

# The IRM's findings kept on a commitment itself, written by hand: the star and carried forward (the
# admin's "IRM" fields). Only those who write assessments (can_edit_assessment) write them.
IRM_COMMITMENT_FIELDS = ("starred", "carried_forward")
# Every name a write may give the IRM's findings: the fields above, the ratings stored from its
# assessments (no one writes those by hand), its columns of OGP's export kept in ogp_extra (by column
# and by the admin's input), and its assessments and their fields (reviews/) but the OGP values, which
# the commitment has too, as the plan states them (the secretariat's). The secretariat's tools (the
# staff page, the API, the bulk update) never write them, and say so when one is named.
IRM_NAMES = frozenset({
    *IRM_COMMITMENT_FIELDS, *STORED_RATING_FIELDS, "assessments",
    *(f.name for f in Assessment._meta.concrete_fields
      if f.name not in ("id", "commitment", *OGP_VALUE_FIELDS)),
    *extra.IRM_COLUMNS, *(extra.field_name(column) for column in extra.IRM_COLUMNS),
})
_IRM_NAMES_FOLDED = frozenset(name.casefold() for name in IRM_NAMES)


def is_irms(name: str) -> bool:
    """Whether a field or column a writer names is one of the IRM's findings (IRM_NAMES), in any case."""
    return name.casefold() in _IRM_NAMES_FOLDED

_CACHE_ATTR = "_ogptracker_member_ids"


def member_ids(user) -> frozenset[int]:
    """The members the user is secretariat staff of (cached on the user for the request)."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(StaffMembership.objects.filter(user=user).values_list("member_id", flat=True))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_member_ids(user) -> None:
    """Drop the cached memberships, after granting or revoking one."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_superuser(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def is_secretariat(user) -> bool:
    return bool(member_ids(user))


def is_reviewer(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active
                and user.has_perm("reviews.change_assessment"))


def can_edit_member(user, member_id: int | None) -> bool:
    """May the user edit this member's action plans, commitments and milestones?"""
    return is_superuser(user) or (member_id is not None and member_id in member_ids(user))


def can_edit_commitment(user, commitment) -> bool:
    return can_edit_member(user, commitment.action_plan.member_id)


def can_edit_milestone(user, milestone) -> bool:
    return can_edit_commitment(user, milestone.commitment)


def can_edit_action_plan(user, action_plan) -> bool:
    return can_edit_member(user, action_plan.member_id)


def can_continue(user, predecessor) -> bool:
    """May the user link a commitment to `predecessor` as the one it continues? Only within the
    members they serve (superusers anywhere): the link shows on the predecessor's public page
    ("Continued in …", with the title its editors chose), which is another member's otherwise."""
    return can_edit_commitment(user, predecessor)


def can_edit_assessment(user, assessment=None) -> bool:
    """Reviewers and superusers write the IRM's findings; the secretariat never does."""
    return is_superuser(user) or is_reviewer(user)


def can_edit_some_member(user) -> bool:
    """May the user edit some member's rows (the admin's lists and inlines, before a row is chosen)?"""
    return is_superuser(user) or is_secretariat(user)


def can_add_member_rows(user) -> bool:
    """May the user add action plans and commitments? Of their own members only: the admin offers
    no other member or plan (its choices, by member_ids)."""
    return can_edit_some_member(user)


def can_delete_member_rows(user) -> bool:
    """Superusers only delete action plans and commitments: a deletion takes the milestones,
    sources and assessments with it, beyond a secretariat's own edits."""
    return is_superuser(user)


def can_import_ogp(user) -> bool:
    """Superusers only: an import writes every member's plans and commitments and the IRM's
    assessments, beyond what a secretariat role (one member) or a reviewer may edit."""
    return is_superuser(user)


def can_merge_institutions(user) -> bool:
    """Superusers only: a merge rewrites the lead and supporting institutions of any member's
    commitments and every staff membership's institution."""
    return is_superuser(user)


def can_view_commitments_admin(user) -> bool:
    """The commitments pages of the admin: the secretariat (own members), reviewers (read only)."""
    return is_superuser(user) or is_secretariat(user) or is_reviewer(user)


def editable_commitments(user, queryset: QuerySet) -> QuerySet:
    """Commitments of queryset the user may edit."""
    if is_superuser(user):
        return queryset
    return queryset.filter(action_plan__member_id__in=member_ids(user))


def visible_in_admin(user, queryset: QuerySet, member_path: str) -> QuerySet:
    """What the admin lists: everything for superusers and reviewers, own members for the rest.

    member_path is the lookup from the queryset's model to its member id, e.g.
    "action_plan__member_id" for commitments.
    """
    if is_superuser(user) or is_reviewer(user):
        return queryset
    return queryset.filter(**{f"{member_path}__in": member_ids(user)})


def refusal_reason(user, member) -> str:
    """Why the user may not edit this member's commitment, in the terms of the roles above, for the
    403 page: who they are here, and who may."""
    values = {"member": member.name}
    if not (user and user.is_authenticated and user.is_active):
        return _("You are not signed in. Only secretariat staff of %(member)s, signed in, may edit "
                 "this commitment.") % values
    if is_secretariat(user):
        names = Member.objects.filter(pk__in=member_ids(user)).order_by("name").values_list("name", flat=True)
        return _("You are secretariat staff of %(yours)s; this commitment belongs to %(member)s, whose "
                 "secretariat staff edit it.") % {**values, "yours": get_text_list(list(names), _("and"))}
    if is_reviewer(user):
        return _("You are an IRM reviewer: you record the IRM's reports and assessments and read "
                 "commitments; only secretariat staff of %(member)s edit this commitment.") % values
    return _("Your account has no staff role here: only secretariat staff of %(member)s edit this "
             "commitment. An administrator can give you that role.") % values
