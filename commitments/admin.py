"""The secretariat's daily tool: members, plans, commitments with their milestones and assessments."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.models import Assessment
from reviews.scales import Completion

from .models import ActionPlan, Commitment, Institution, Member, Milestone, PolicyArea, Source


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region", "kind"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "code", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "ogp_id", "member", "number", "submission_year", "end_year"]
    list_filter = ["member__region", "submission_year"]
    list_select_related = ["member"]
    search_fields = ["title", "ogp_id", "member__name"]
    autocomplete_fields = ["member"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(PolicyArea)
class PolicyAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 1
    fields = ["order", "text", "status", "start_date", "end_date", "evidence_url"]


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0
    fields = ["footnote", "text", "url"]


class AssessmentInline(admin.StackedInline):
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


class EndOfTermCompletionFilter(admin.SimpleListFilter):
    title = _("end-of-term completion")
    parameter_name = "end_of_term_completion"

    def lookups(self, request, model_admin):
        return Completion.choices

    def queryset(self, request, queryset):
        if self.value() in Completion.values:
            return queryset.filter(end_of_term_completion=self.value())
        return queryset


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
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
    autocomplete_fields = ["action_plan", "lead_institution", "supporting_institutions",
                           "policy_areas"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [MilestoneInline, AssessmentInline, SourceInline]
    fieldsets = [
        (None, {"fields": ["identifier", "action_plan", "number", "title", "short_title", "theme",
                           "status", "ogp_url"]}),
        (_("Institutions and policy areas"), {"fields": [
            "lead_institution", "supporting_institutions", "policy_areas"]}),
        (_("Relevance to OGP values"), {"fields": [
            ("access_to_information", "civic_participation", "public_accountability",
             "technology_innovation")]}),
        (_("Description"), {"fields": ["description", "problem", "main_objective",
                                       "brief_description", "ogp_challenge", "relevance",
                                       "ambition"]}),
        (_("Dates"), {"fields": [("start_date", "start_date_text"), ("end_date", "end_date_text")]}),
        (_("IRM"), {"fields": ["starred", "carried_forward"]}),
        (_("Record"), {"classes": ["collapse"],
                       "fields": ["ogp_extra", "version", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_irm_summary()

    @admin.display(description=_("end-of-term completion"), ordering="end_of_term_completion")
    def end_of_term_completion_display(self, obj):
        value = getattr(obj, "end_of_term_completion", None)
        return Completion(value).label if value else "—"
