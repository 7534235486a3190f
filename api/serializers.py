"""The shapes of the API's responses, for the OpenAPI schema (/api/v1/schema/).

The values themselves are built by api/read.py from what the pages read; these serializers say
what each holds, and tests/api/test_contract.py checks every response against them.
"""

from rest_framework import serializers

from commitments.feeds import FEED_LENGTH
from commitments.models import STORED_RATING_FIELDS

from .read import ASSESSMENT_SCALES, ASSESSMENT_TEXTS


class Choice(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class Rating(serializers.Serializer):
    """A rating on one of the IRM's scales: its value (a slug, or ND, NR, NA), and its label."""

    value = serializers.CharField(allow_null=True, help_text="null: no report of the stage assessed it.")
    label = serializers.CharField()


class MemberRef(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class PlanRef(serializers.Serializer):
    ogp_id = serializers.CharField()
    title = serializers.CharField()
    submission_year = serializers.IntegerField()
    end_year = serializers.IntegerField()


class PolicyAreaRef(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


Ratings = type("Ratings", (serializers.Serializer,), {name: Rating() for name in STORED_RATING_FIELDS})


class ListProgress(serializers.Serializer):
    milestones_counted = serializers.IntegerField()
    milestones_complete = serializers.IntegerField()
    percent_complete = serializers.IntegerField(allow_null=True)
    disagrees_with_irm = serializers.BooleanField()


class CommitmentItem(serializers.Serializer):
    identifier = serializers.CharField()
    title = serializers.CharField()
    short_title = serializers.CharField(allow_blank=True)
    member = MemberRef()
    action_plan = PlanRef()
    status = Choice()
    starred = serializers.BooleanField()
    lead_institution = serializers.CharField(allow_null=True)
    supporting_institutions = serializers.ListField(child=serializers.CharField())
    policy_areas = PolicyAreaRef(many=True)
    ogp_values = serializers.ListField(child=serializers.CharField())
    ratings = Ratings()
    progress = ListProgress()
    updated_at = serializers.DateTimeField()
    url = serializers.URLField()
    api_url = serializers.URLField()


class FacetChoice(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class Page(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many items the query matches, on every page.")
    page = serializers.IntegerField(required=False, help_text="Page-number browsing only.")
    pages = serializers.IntegerField(required=False, help_text="Page-number browsing only.")
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class CommitmentPage(Page):
    results = CommitmentItem(many=True)
    facets = serializers.DictField(child=FacetChoice(many=True), required=False,
                                   help_text="With ?facets=: each named facet's choices and counts.")


class ReportRef(serializers.Serializer):
    id = serializers.IntegerField()
    kind = Choice()
    title = serializers.CharField()
    publication_year = serializers.IntegerField(allow_null=True)
    researcher = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)


AssessmentRatings = type("AssessmentRatings", (serializers.Serializer,),
                         {name: Rating() for name in ASSESSMENT_SCALES})


class AssessmentItem(serializers.Serializer):
    id = serializers.IntegerField()
    report = ReportRef()
    ratings = AssessmentRatings()
    locals().update({name: serializers.CharField(allow_blank=True) for name in ASSESSMENT_TEXTS})


class Milestone(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    text = serializers.CharField()
    status = Rating()
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    reschedule_count = serializers.IntegerField()
    evidence_url = serializers.CharField(allow_blank=True)


class LineageStep(serializers.Serializer):
    identifier = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class Lineage(serializers.Serializer):
    continues = LineageStep(many=True)
    continued_in = LineageStep(many=True)


class Source(serializers.Serializer):
    footnote = serializers.IntegerField()
    text = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class AssessedBy(serializers.Serializer):
    report_id = serializers.IntegerField()
    report_title = serializers.CharField()


class RatingsFrom(serializers.Serializer):
    mid_term = AssessedBy(allow_null=True)
    end_of_term = AssessedBy(allow_null=True)
    design = AssessedBy(allow_null=True)


class DetailProgress(ListProgress):
    level = Rating(allow_null=True)
    rule = serializers.CharField()


class Section(serializers.Serializer):
    heading = serializers.CharField()
    text = serializers.CharField()


class OtherCommitment(serializers.Serializer):
    identifier = serializers.CharField()
    title = serializers.CharField()
    starred = serializers.BooleanField()
    policy_area = serializers.CharField(allow_null=True)


class OtherCommitments(serializers.Serializer):
    action_plan_title = serializers.CharField()
    cycle = serializers.IntegerField()
    commitments = OtherCommitment(many=True)


class MemberLink(MemberRef):
    api_url = serializers.URLField()


class CommitmentDetail(serializers.Serializer):
    identifier = serializers.CharField()
    version = serializers.IntegerField(help_text="Send it back with a change (PATCH): a stale one is "
                                                 "refused.")
    as_of = serializers.DateField(allow_null=True)
    history_begins = serializers.DateField(help_text="The first day this record holds history (when it "
                                           "was first recorded here): as_of takes days from it to today.")
    title = serializers.CharField()
    short_title = serializers.CharField(allow_blank=True)
    number = serializers.CharField(allow_blank=True)
    theme = serializers.CharField(allow_blank=True)
    member = MemberLink()
    action_plan = PlanRef()
    status = Choice()
    starred = serializers.BooleanField()
    carried_forward = Choice()
    description = serializers.CharField(allow_blank=True)
    description_sections = Section(many=True)
    start_date = serializers.DateField(allow_null=True)
    start_date_text = serializers.CharField(allow_blank=True)
    end_date = serializers.DateField(allow_null=True)
    end_date_text = serializers.CharField(allow_blank=True)
    lead_institution = serializers.CharField(allow_null=True)
    supporting_institutions = serializers.ListField(child=serializers.CharField())
    policy_areas = PolicyAreaRef(many=True)
    ogp_values = serializers.ListField(child=serializers.CharField())
    ogp_url = serializers.CharField(allow_blank=True)
    ratings = Ratings()
    ratings_from = RatingsFrom()
    uses_potential_for_results = serializers.BooleanField()
    early_results = Rating(allow_null=True)
    irm_summary = serializers.CharField(allow_blank=True)
    carried_forward_narrative = serializers.CharField(allow_blank=True)
    researchers = serializers.ListField(child=serializers.CharField())
    progress = DetailProgress()
    milestones = Milestone(many=True)
    assessments = AssessmentItem(many=True)
    reports = ReportRef(many=True)
    sources = Source(many=True)
    other_commitments = OtherCommitments(many=True)
    lineage = Lineage()
    updated_at = serializers.DateTimeField()
    history_url = serializers.URLField()
    url = serializers.URLField()
    api_url = serializers.URLField()


class Change(serializers.Serializer):
    label = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)


class Entry(serializers.Serializer):
    id = serializers.CharField()
    when = serializers.DateTimeField()
    author = serializers.CharField(allow_blank=True)
    subject = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=["commitment", "milestone", "source", "assessment"])
    removed = serializers.BooleanField()
    commitment = serializers.CharField()
    commitment_title = serializers.CharField(allow_blank=True)
    evidence_url = serializers.CharField(allow_blank=True)
    changes = Change(many=True)
    url = serializers.URLField()


class Entries(serializers.Serializer):
    count = serializers.IntegerField()
    results = Entry(many=True)


class ChangePage(Entries):
    count = serializers.IntegerField(help_text=f"The changes on this page (at most {FEED_LENGTH}; a "
                                     "page may hold fewer and still have a next).")
    next = serializers.URLField(allow_null=True, help_text="The next page of older changes; null: no more.")


class MemberItem(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    code = serializers.CharField(allow_blank=True)
    region = Choice()
    kind = Choice()
    action_plan_count = serializers.IntegerField(allow_null=True)
    commitment_count = serializers.IntegerField(allow_null=True)
    url = serializers.URLField()
    api_url = serializers.URLField()


class Members(serializers.Serializer):
    count = serializers.IntegerField()
    results = MemberItem(many=True)


class Level(serializers.Serializer):
    value = serializers.CharField(allow_null=True, help_text="null: not assessed by a report of the stage.")
    label = serializers.CharField()
    count = serializers.IntegerField()


class Measure(serializers.Serializer):
    label = serializers.CharField()
    levels = Level(many=True)


class Summary(serializers.Serializer):
    commitments = serializers.IntegerField()
    starred = serializers.IntegerField()
    measures = serializers.DictField(child=Measure())


class PlanItem(serializers.Serializer):
    ogp_id = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    submission_year = serializers.IntegerField()
    end_year = serializers.IntegerField()
    member = MemberRef()
    irm_summary = Summary()
    url = serializers.URLField()
    api_url = serializers.URLField()


class MemberDetail(MemberItem):
    irm_summary = Summary()
    action_plans = PlanItem(many=True)


class ActionPlanDetail(PlanItem):
    reports = ReportRef(many=True)
    commitments = CommitmentItem(many=True)


class ReportPlan(serializers.Serializer):
    ogp_id = serializers.CharField()
    title = serializers.CharField()
    member = MemberRef()


class ReportItem(ReportRef):
    action_plan = ReportPlan()
    assessment_count = serializers.IntegerField(allow_null=True)
    api_url = serializers.URLField()


class ReportPage(Page):
    results = ReportItem(many=True)


class CommitmentOfAssessment(serializers.Serializer):
    identifier = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()
    api_url = serializers.URLField()


class ReportAssessment(AssessmentItem):
    commitment = CommitmentOfAssessment()


class ReportDetail(ReportItem):
    assessments = ReportAssessment(many=True)


class Error(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
