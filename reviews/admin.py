"""IRM reports with their assessments, for IRM reviewers in the admin."""

from django.contrib import admin

from .models import Assessment, IRMReport


class ReportAssessmentInline(admin.TabularInline):
    model = Assessment
    extra = 0
    show_change_link = True
    autocomplete_fields = ["commitment"]
    fields = ["commitment", "completion", "change_in_completion", "did_it_open_government",
              "potential_impact", "potential_for_results", "early_results", "starred", "cluster"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("commitment")


@admin.register(IRMReport)
class IRMReportAdmin(admin.ModelAdmin):
    list_display = ["title", "action_plan", "kind", "publication_year", "researcher"]
    list_filter = ["kind", "publication_year", "action_plan__member"]
    list_select_related = ["action_plan__member"]
    search_fields = ["title", "researcher", "action_plan__title", "action_plan__ogp_id"]
    autocomplete_fields = ["action_plan"]
    inlines = [ReportAssessmentInline]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["commitment", "report", "completion", "did_it_open_government", "starred"]
    list_filter = ["report__kind", "completion", "did_it_open_government", "starred",
                   "potential_impact", "potential_for_results"]
    list_select_related = ["commitment", "report__action_plan"]
    search_fields = ["commitment__identifier", "commitment__title", "report__title"]
    autocomplete_fields = ["commitment", "report"]
