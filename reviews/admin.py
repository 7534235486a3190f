"""IRM reports with their assessments, for IRM reviewers in the admin."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from commitments import permissions
from commitments.admin_widgets import SafeAutocompleteAdmin
from commitments.services import ensure_history_baseline

from .models import Assessment, IRMReport


class WrittenByTheIRM:
    """The IRM's reports and findings: Django's model permissions, and never for anyone
    permissions.can_edit_assessment refuses (a secretariat user granted a stray permission)."""

    def has_add_permission(self, request, *args):
        return permissions.can_edit_assessment(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return permissions.can_edit_assessment(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_edit_assessment(request.user) and super().has_delete_permission(request, obj)


class ReportAssessmentInline(WrittenByTheIRM, SafeAutocompleteAdmin, admin.TabularInline):
    model = Assessment
    extra = 0
    show_change_link = True
    autocomplete_fields = ["commitment"]
    fields = ["commitment", "completion", "change_in_completion", "did_it_open_government",
              "potential_impact", "potential_for_results", "early_results", "starred", "cluster"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("commitment")


# With its history one click away: a report a reviewer deleted by mistake is restored from its
# history page (the last record before the deletion, "Revert"), as any past version can be.
@admin.register(IRMReport)
class IRMReportAdmin(WrittenByTheIRM, SafeAutocompleteAdmin, SimpleHistoryAdmin):
    list_display = ["title", "action_plan", "kind", "publication_year", "researcher"]
    list_filter = ["kind", "publication_year", "action_plan__member"]
    list_select_related = ["action_plan__member"]
    search_fields = ["title", "researcher", "action_plan__title", "action_plan__ogp_id"]
    autocomplete_fields = ["action_plan"]
    inlines = [ReportAssessmentInline]

    def revert_disabled(self, request, obj=None):
        # A report has no version to lock (unlike a commitment, see SIMPLE_HISTORY_REVERT_DISABLED):
        # those who write the IRM's reports may bring back a past or deleted one.
        return not self.has_change_permission(request)

    def save_model(self, request, obj, form, change):
        # A deleted report restored from its history ("Revert" on its deletion's record) is saved
        # here as a change of a report that no longer exists: its findings come back with it.
        restoring = change and not IRMReport.objects.filter(pk=obj.pk).exists()
        super().save_model(request, obj, form, change)
        if restoring:
            obj.restore_assessments_deleted_with_it()

    def save_formset(self, request, form, formset, change):
        # The public history compares each change with the record before it: make sure there is one.
        if formset.has_changed():
            for assessment in formset.queryset.select_related("commitment"):
                ensure_history_baseline(assessment.commitment)
        super().save_formset(request, form, formset, change)


# Reviewers' rights are Django's model permissions, held by the "IRM reviewers" group
# (reviews migration 0003); the history of each assessment is one click away.
@admin.register(Assessment)
class AssessmentAdmin(WrittenByTheIRM, SafeAutocompleteAdmin, SimpleHistoryAdmin):
    list_display = ["commitment", "report", "completion", "did_it_open_government", "starred"]
    list_filter = ["report__kind", "completion", "did_it_open_government", "starred",
                   "potential_impact", "potential_for_results"]
    list_select_related = ["commitment", "report__action_plan"]
    search_fields = ["commitment__identifier", "commitment__title", "report__title"]
    autocomplete_fields = ["commitment", "report"]

    def save_model(self, request, obj, form, change):
        # The public history compares each change with the record before it: make sure there is one.
        if change:
            ensure_history_baseline(obj.commitment)
        super().save_model(request, obj, form, change)
