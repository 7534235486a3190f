"""The secretariat's daily tool: members, plans, commitments with their milestones and assessments."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from reviews.models import Assessment
from reviews.scales import Completion

from . import permissions, services, validators
from .admin_widgets import SafeAutocompleteAdmin
from .forms import MilestoneAdminFormSet
from .models import (
    EVIDENCE_MAX_LENGTH,
    ActionPlan,
    Commitment,
    Institution,
    Member,
    Milestone,
    PolicyArea,
    Source,
    StaffMembership,
    preferred_spelling,
)
from .ogp import extra
from .ogp.admin_import import OGPImportAdminMixin
from .validators import validate_text


class ViewableByStaffRoles:
    """Reference tables every staff role reads (and autocompletes); changes keep Django's permissions."""

    def has_module_permission(self, request):
        user = request.user
        return permissions.can_view_commitments_admin(user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return permissions.can_view_commitments_admin(user) or super().has_view_permission(request, obj)


class MemberScopedAdmin(ViewableByStaffRoles):
    """Rows that belong to a member: the secretariat sees and changes only its members' rows.

    member_path leads from the model to its member's id; the rules are in commitments.permissions.
    """

    member_path = ""

    def get_queryset(self, request):
        return permissions.visible_in_admin(request.user, super().get_queryset(request), self.member_path)

    def _member_id(self, obj):
        value = obj
        for part in self.member_path.split("__"):
            value = getattr(value, part)
        return value

    def has_view_permission(self, request, obj=None):
        user = request.user
        if obj is None or permissions.is_superuser(user) or permissions.is_reviewer(user):
            return super().has_view_permission(request, obj)
        # The history view finds deleted or hidden rows too: check the row's member.
        return permissions.can_edit_member(user, self._member_id(obj))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return permissions.can_edit_some_member(request.user)
        return permissions.can_edit_member(request.user, self._member_id(obj))

    def has_add_permission(self, request):
        return permissions.can_add_member_rows(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_member_rows(request.user)


class OwnMembersChoices:
    """Foreign keys to a member or an action plan offer only the user's own members' rows."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not permissions.is_superuser(request.user):
            ids = permissions.member_ids(request.user)
            if db_field.name == "member":
                kwargs["queryset"] = Member.objects.filter(pk__in=ids)
            elif db_field.name == "action_plan":
                kwargs["queryset"] = ActionPlan.objects.filter(member_id__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Member)
class MemberAdmin(ViewableByStaffRoles, admin.ModelAdmin):
    list_display = ["name", "code", "region", "kind"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "code", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ActionPlan)
class ActionPlanAdmin(SafeAutocompleteAdmin, MemberScopedAdmin, OwnMembersChoices, admin.ModelAdmin):
    member_path = "member_id"
    list_display = ["title", "ogp_id", "member", "number", "submission_year", "end_year"]
    list_filter = ["member__region", "submission_year"]
    list_select_related = ["member"]
    search_fields = ["title", "ogp_id", "member__name"]
    autocomplete_fields = ["member"]


class ProtectedWhileLinked:
    """An institution or policy area that commitments still link to is not deleted: the links would
    go from their history unrecorded. The admin lists the commitments, as it does for PROTECT."""

    linked_commitments = ""  # the reverse accessor of the commitments that link to the row

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        label = capfirst(Commitment._meta.verbose_name)
        for obj in objs:
            protected += [f"{label}: {c}" for c in getattr(obj, self.linked_commitments).all()]
        return deleted, counts, perms_needed, protected


class InstitutionMergeForm(forms.Form):
    """The merge's confirmation: which of the selected institutions is kept (the preferred spelling
    offered first, models.preferred_spelling)."""

    kept = forms.ModelChoiceField(queryset=Institution.objects.none(), widget=forms.RadioSelect,
                                  label=_("Keep this name"), empty_label=None)

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.institutions = list(institutions)
        field = self.fields["kept"]
        field.queryset = Institution.objects.filter(pk__in=[i.pk for i in self.institutions])
        field.label_from_instance = lambda institution: ngettext(
            "%(name)s (%(count)s commitment)", "%(name)s (%(count)s commitments)", institution.uses) % {
            "name": institution.name, "count": institution.uses}
        field.choices = [(i.pk, field.label_from_instance(i)) for i in self.institutions]
        if self.institutions:
            preferred = preferred_spelling({i.name: i.uses for i in self.institutions})
            field.initial = next(i.pk for i in self.institutions if i.name == preferred)


@admin.register(Institution)
class InstitutionAdmin(ProtectedWhileLinked, ViewableByStaffRoles, SimpleHistoryAdmin):
    search_fields = ["name"]
    linked_commitments = "supported_commitments"
    actions = ["merge_institutions"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not permissions.can_merge_institutions(request.user):
            actions.pop("merge_institutions", None)
        return actions

    @admin.action(description=_("Merge the selected institutions into one"))
    def merge_institutions(self, request, queryset):
        """First a confirmation page naming each institution and its commitments, the name to keep
        chosen there; then the merge (services.institutions_merge), back on the list."""
        if not permissions.can_merge_institutions(request.user):
            raise PermissionDenied
        institutions = list(queryset.annotate(
            uses=Count("led_commitments", distinct=True) + Count("supported_commitments", distinct=True)))
        if len(institutions) < 2:
            self.message_user(request, services.MERGE_REFUSED_MESSAGE, messages.ERROR)
            return None
        form = InstitutionMergeForm(request.POST if "merge_confirmed" in request.POST else None,
                                    institutions=institutions)
        if form.is_valid():
            kept = form.cleaned_data["kept"]
            moved = services.institutions_merge(kept=kept, others=institutions, user=request.user)
            self.message_user(request, _("Merged %(count)s institutions into “%(name)s”; %(moved)s "
                                         "commitments now name it.") % {
                "count": len(institutions), "name": kept.name, "moved": moved}, messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/commitments/institution/merge.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "institutions": institutions, "title": _("Merge institutions"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })


@admin.register(PolicyArea)
class PolicyAreaAdmin(ProtectedWhileLinked, ViewableByStaffRoles, admin.ModelAdmin):
    linked_commitments = "commitments"
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class CommitmentRowsInline:
    """Milestones and sources: changed by whoever may change their commitment (obj)."""

    def has_view_permission(self, request, obj=None):
        return permissions.can_view_commitments_admin(request.user)

    def _may_edit(self, request, obj):
        if obj is None:
            return permissions.can_edit_some_member(request.user)
        return permissions.can_edit_commitment(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)


class MilestoneInline(CommitmentRowsInline, admin.TabularInline):
    model = Milestone
    formset = MilestoneAdminFormSet  # the date met by the edit page's rule
    extra = 1
    fields = ["order", "text", "status", "start_date", "end_date", "completed_on", "evidence_url"]


class SourceInline(CommitmentRowsInline, admin.TabularInline):
    model = Source
    extra = 0
    fields = ["footnote", "text", "url"]


class AssessmentInline(SafeAutocompleteAdmin, admin.StackedInline):
    model = Assessment
    extra = 0
    show_change_link = True
    autocomplete_fields = ["report"]
    fieldsets = [
        (None, {"fields": ["report", "cluster"]}),
        (_("Design"), {"fields": [
            "specificity", "verifiable", "potential_impact", "potential_for_results",
            ("access_to_information", "civic_participation", "public_accountability",
             "technology_innovation"),
        ]}),
        (_("Implementation"), {"fields": ["completion", "change_in_completion", "narrative"]}),
        (_("Results"), {"fields": [
            "did_it_open_government", "open_government_access_to_information",
            "open_government_civic_participation", "open_government_public_accountability",
            "early_results", "starred", "open_government_narrative", "carried_forward_narrative",
        ]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report__action_plan")

    # The IRM's findings: reviewers and superusers write them, everyone else reads them.
    def has_view_permission(self, request, obj=None):
        return permissions.can_view_commitments_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return permissions.can_edit_assessment(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_edit_assessment(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_edit_assessment(request.user)


class EndOfTermCompletionFilter(admin.SimpleListFilter):
    title = _("end-of-term completion")
    parameter_name = "end_of_term_completion"

    def lookups(self, request, model_admin):
        return Completion.choices

    def queryset(self, request, queryset):
        if self.value() in Completion.values:
            return queryset.filter(end_of_term_completion=self.value())
        return queryset


def _kept_column_field(column):
    return forms.CharField(label=column, required=False, max_length=extra.CELL_MAX_LENGTH,
                           widget=forms.TextInput(attrs={"size": 14}))


# One text input per column of OGP's export kept in ogp_extra (never its raw JSON): what the
# admin writes there is always a mapping of a column name to its text (commitments/ogp/extra.py).
KeptColumnsForm = type("KeptColumnsForm", (forms.Form,),
                       {field: _kept_column_field(column) for column, field in extra.FIELD_NAMES.items()})


CONTINUES_REFUSED = _("You may link only to a commitment of a member you are staff of.")


class CommitmentAdminForm(KeptColumnsForm, forms.ModelForm):
    """Adds the version the editor loaded (refused when stale), the public note of a change and the
    kept OGP columns; CommitmentAdmin.get_form says which of those the user may write."""

    may_write_irm_columns = False
    may_write_other_columns = False
    user = None  # the editor, set by CommitmentAdmin.get_form
    version_refused = None

    # Read by services.check_version, which says why a version is refused (missing, not a number…).
    expected_version = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)
    change_note = forms.CharField(label=_("Public note"), max_length=300, required=False,
                                  help_text=_("Why this changed: shown in the public history. "
                                              "Required when changing a commitment."),
                                  validators=[validate_text])
    change_evidence_url = forms.URLField(label=_("Evidence for this change (link)"), required=False,
                                         max_length=EVIDENCE_MAX_LENGTH, assume_scheme="https",
                                         validators=[validators.validate_link],
                                         help_text=_("Optional: a link to a document or page showing "
                                                     "the change."))

    class Meta:
        model = Commitment
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose the fields shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Text, as posted: an int would count as changed in the admin's log of the change.
            self.fields["expected_version"].initial = str(self.instance.version)
        stored = extra.text_entries(self.instance.ogp_extra)
        for column, name in extra.FIELD_NAMES.items():
            field = self.fields[name]
            field.initial = stored.get(column, "")
            # A disabled input ignores what is posted and keeps what is stored.
            field.disabled = not (self.may_write_irm_columns if column in extra.IRM_COLUMNS
                                  else self.may_write_other_columns)

    def clean(self):
        data = super().clean()
        self._clean_kept_columns(data)
        predecessor = data.get("continues")
        if "continues" in self.changed_data and predecessor and not permissions.can_continue(
                self.user, predecessor):
            self.add_error("continues", CONTINUES_REFUSED)
        if not self.instance.pk:
            return data
        # Every save of an existing commitment in the admin is an edit, so it needs its note.
        if services.needs_note(True, data.get("change_note")):
            self.add_error("change_note", services.NOTE_REQUIRED_MESSAGE)
        try:
            data["expected_version"] = services.check_version(self.instance, data.get("expected_version"))
        except services.VersionRefused as refused:
            self.version_refused = refused  # its status answers the page (changeform_view)
            stale = isinstance(refused, services.StaleEdit)
            raise ValidationError(stale_message(refused.changes) if stale else refused.message) from refused
        return data

    def _clean_kept_columns(self, data):
        posted = {}
        for column, name in extra.FIELD_NAMES.items():
            if name in data and not self.fields[name].disabled:
                posted[column] = validators.without_control_characters(data[name])
        try:
            extra.validate(posted)
        except ValidationError as error:
            self.add_error(None, error)
            return
        self.instance.ogp_extra = extra.merged(self.instance.ogp_extra, posted,
                                               irm=self.may_write_irm_columns,
                                               others=self.may_write_other_columns)


def stale_message(entries) -> str:
    """The stale-edit message with what was saved since the editor's version."""
    lines = [str(services.STALE_EDIT_MESSAGE)]
    for entry in entries:
        changes = "; ".join(f"{c.label} {c.old} → {c.new}" for c in entry.changes)
        lines.append(f"{entry.subject} ({entry.author}, {entry.when:%Y-%m-%d %H:%M}): {changes}"
                     + (f" — {entry.note}" if entry.note else ""))
    return " · ".join(lines)


def _in_lines(columns, per_line=3):
    """The kept columns' form fields, a few to a line of the admin's fieldset."""
    names = [extra.FIELD_NAMES[column] for column in columns]
    return [tuple(names[start:start + per_line]) for start in range(0, len(names), per_line)]


@admin.register(Commitment)
class CommitmentAdmin(SafeAutocompleteAdmin, OGPImportAdminMixin, MemberScopedAdmin, OwnMembersChoices,
                      SimpleHistoryAdmin):
    form = CommitmentAdminForm
    member_path = "action_plan__member_id"
    list_display = ["identifier", "title", "action_plan", "status", "lead_institution",
                    "end_of_term_completion_display", "starred", "updated_at"]
    list_display_links = ["identifier", "title"]
    list_select_related = ["action_plan__member", "lead_institution"]
    list_filter = ["action_plan__member", "action_plan", "status", "policy_areas",
                   EndOfTermCompletionFilter, "starred"]
    search_fields = ["identifier", "title", "short_title", "lead_institution__name",
                     "supporting_institutions__name"]
    list_per_page = 50
    show_full_result_count = False  # the unfiltered count is shown once; no second COUNT(*)
    # `continues` among thousands of commitments: searched, never a select of them all.
    autocomplete_fields = ["action_plan", "lead_institution", "supporting_institutions",
                           "policy_areas", "continues"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [MilestoneInline, AssessmentInline, SourceInline]
    fieldsets = [
        (None, {"fields": ["identifier", "action_plan", "number", "title", "short_title", "theme",
                           "status", "ogp_url", "change_note", "change_evidence_url", "expected_version"]}),
        (_("Lineage across plans"), {"fields": ["continues"]}),
        (_("Institutions and policy areas"), {"fields": [
            "lead_institution", "supporting_institutions", "policy_areas"]}),
        (_("Relevance to OGP values"), {"fields": [
            ("access_to_information", "civic_participation", "public_accountability",
             "technology_innovation")]}),
        (_("Description"), {"fields": ["description", "problem", "main_objective",
                                       "brief_description", "ogp_challenge", "relevance",
                                       "ambition"]}),
        (_("Dates"), {"fields": [("start_date", "start_date_text"), ("end_date", "end_date_text")]}),
        (_("IRM"), {"fields": list(permissions.IRM_COMMITMENT_FIELDS)}),
        (_("Other OGP export columns"), {
            "classes": ["collapse"], "fields": _in_lines(extra.SECRETARIAT_COLUMNS),
            "description": _("Cells of OGP's export that ogptracker does not model, kept as written. "
                             "An empty cell is not kept.")}),
        (_("The IRM's other OGP export columns"), {
            "classes": ["collapse"], "fields": _in_lines(extra.IRM_KEPT_COLUMNS),
            "description": _("Derived from the IRM's findings: only IRM reviewers change them.")}),
        (_("Record"), {"classes": ["collapse"], "fields": ["version", "created_at", "updated_at"]}),
    ]
    # Fields of the form alone: never read-only, whoever edits.
    form_only_fields = frozenset({"change_note", "change_evidence_url", "expected_version",
                                  *extra.FIELD_NAMES.values()})

    def _writes_the_secretariats_fields(self, request, obj):
        return super().has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        # Reviewers write the IRM's fields of any commitment; get_readonly_fields leaves them no other.
        return (self._writes_the_secretariats_fields(request, obj)
                or permissions.can_edit_assessment(request.user))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not permissions.can_edit_assessment(request.user):
            return [*readonly, *permissions.IRM_COMMITMENT_FIELDS]
        if not self._writes_the_secretariats_fields(request, obj):
            # An IRM reviewer: the star and carried forward, and nothing the secretariat writes.
            return [*readonly, *(name for name in flatten_fieldsets(self.fieldsets)
                                 if name not in permissions.IRM_COMMITMENT_FIELDS
                                 and name not in self.form_only_fields and name not in readonly)]
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {
            "user": request.user,
            "may_write_irm_columns": permissions.can_edit_assessment(request.user),
            "may_write_other_columns": self._writes_the_secretariats_fields(request, obj)})

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # The form checked the version; the conditional UPDATE settles a race with a save that
        # landed since (StaleEdit, handled in changeform_view).
        services.commitment_save(commitment=obj, user=request.user, note=form.cleaned_data["change_note"],
                                 evidence_url=form.cleaned_data.get("change_evidence_url", ""),
                                 expected_version=form.cleaned_data["expected_version"],
                                 changed=form.changed_data)

    def save_formset(self, request, form, formset, change):
        # Milestones and assessments changed here share the commitment's note in the history.
        note = form.cleaned_data.get("change_note", "")
        evidence = form.cleaned_data.get("change_evidence_url", "")
        # A milestone's date met is already the rule's (MilestoneAdminFormSet.clean).
        for instance in formset.save(commit=False):
            services.set_history(instance, request.user, note, evidence)
            instance.save()
        for instance in formset.deleted_objects:
            services.set_history(instance, request.user, note)
            instance.delete()
        formset.save_m2m()

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version can be viewed, never saved back: reverting would skip the version check.
        if request.method == "POST":
            raise PermissionDenied(_("A past version of a commitment can be viewed, not saved back: "
                                     "edit the commitment itself."))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleEdit as stale:
            messages.error(request, stale_message(stale.changes))
            return HttpResponseRedirect(request.path)
        # A version the form refused (services.check_version) answers the refusal's status, 409 when
        # stale, as the staff page and the API do; the form shows why.
        adminform = (getattr(response, "context_data", None) or {}).get("adminform")
        refused = getattr(getattr(adminform, "form", None), "version_refused", None)
        if refused is not None:
            response.status_code = refused.status
        return response

    @admin.display(description=_("end-of-term completion"), ordering="end_of_term_completion")
    def end_of_term_completion_display(self, obj):
        value = getattr(obj, "end_of_term_completion", None)
        return Completion(value).label if value else "—"


class StaffMembershipInline(SafeAutocompleteAdmin, admin.TabularInline):
    """Grant the secretariat role on the user's page (as `manage.py grant_member` does)."""

    model = StaffMembership
    extra = 0
    autocomplete_fields = ["member", "institution"]
    fields = ["member", "institution"]


class IRMReviewerRoleField(forms.Form):
    """The IRM reviewer role as one checkbox on the user's pages (add and change), given and taken by
    the services grant_reviewer uses; the secretariat role is the memberships' inline below."""

    irm_reviewer = forms.BooleanField(
        label=_("IRM reviewer"), required=False,
        help_text=_("Records the IRM's reports and assessments and reads every commitment. Saving with "
                    "this role or a staff membership gives the account staff status (the admin)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["irm_reviewer"].initial = bool(self.instance.pk) and self.instance.groups.filter(
            name=permissions.REVIEWERS_GROUP).exists()


class StaffUserChangeForm(IRMReviewerRoleField, UserChangeForm):
    pass


class StaffUserCreationForm(IRMReviewerRoleField, AdminUserCreationForm):
    pass


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    inlines = [*UserAdmin.inlines, StaffMembershipInline]
    fieldsets = [*UserAdmin.fieldsets, (_("Roles"), {"fields": ["irm_reviewer"]})]
    add_fieldsets = [*UserAdmin.add_fieldsets, (_("Roles"), {"fields": ["irm_reviewer"]})]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the groups field's own save, so that the checkbox, when changed, has the last word.
        if "irm_reviewer" in form.changed_data:
            if form.cleaned_data["irm_reviewer"]:
                services.reviewer_grant(user=form.instance)
            else:
                services.reviewer_revoke(user=form.instance)
        # Both roles need the admin: a membership or the group added here makes the user staff.
        services.staff_access_grant(form.instance)


@admin.register(StaffMembership)
class StaffMembershipAdmin(SafeAutocompleteAdmin, admin.ModelAdmin):
    list_display = ["user", "member", "institution", "created_at"]
    list_select_related = ["user", "member", "institution"]
    list_filter = ["member"]
    search_fields = ["user__username", "member__name"]
    autocomplete_fields = ["user", "member", "institution"]
