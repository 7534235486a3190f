"""The API's read side: commitments, members, plans, reports and changes as plain JSON-ready values.

Built from what the pages read (commitments/queries.py, history.py, reviews/summaries.py) in a
fixed number of queries per response, whatever the number of rows; api/serializers.py describes
the same shapes for the OpenAPI schema (tests/api/test_contract.py checks they agree).
"""

from django.urls import reverse

from commitments import facets, progress
from commitments.converters import identifier_segment
from commitments.models import OGP_VALUE_FIELDS, STORED_RATING_FIELDS, Commitment, ogp_value_choices
from commitments.validators import is_link
from reviews.models import Assessment
from reviews.scales import (
    ChangeInCompletion,
    Completion,
    EarlyResults,
    OpenGovernment,
    PotentialForResults,
    PotentialImpact,
    Specificity,
    YesNo,
)
from reviews.summaries import NOT_ASSESSED_LABEL, IRMSummary

# The scale of each rating stored on a commitment (named as reviews.ratings.RULES).
RATING_SCALES = {"mid_term_completion": Completion, "end_of_term_completion": Completion,
                 "potential_impact": PotentialImpact, "potential_for_results": PotentialForResults,
                 "did_it_open_government": OpenGovernment}
# Every rating of an assessment, with its scale.
ASSESSMENT_SCALES = {
    "specificity": Specificity, "verifiable": YesNo, "access_to_information": YesNo,
    "civic_participation": YesNo, "public_accountability": YesNo, "technology_innovation": YesNo,
    "potential_impact": PotentialImpact, "potential_for_results": PotentialForResults,
    "completion": Completion, "change_in_completion": ChangeInCompletion,
    "did_it_open_government": OpenGovernment,
    "open_government_access_to_information": OpenGovernment,
    "open_government_civic_participation": OpenGovernment,
    "open_government_public_accountability": OpenGovernment,
    "early_results": EarlyResults, "starred": YesNo,
}
ASSESSMENT_TEXTS = ("cluster", "summary", "narrative", "open_government_narrative",
                    "carried_forward_narrative")

# The list's columns, read as plain values (no model instances: a page has up to 100 rows).
ROW_COLUMNS = ("pk", "identifier", "title", "short_title", "status", "starred", "updated_at",
               "action_plan__ogp_id", "action_plan__title", "action_plan__submission_year",
               "action_plan__end_year", "action_plan__member__slug", "action_plan__member__name",
               "lead_institution__name", "milestones_counted", "milestones_complete",
               *STORED_RATING_FIELDS, *OGP_VALUE_FIELDS)


def link(url) -> str:
    """A stored link as a client may follow it: http(s) only, as the pages render them; else empty."""
    return url if is_link(url) else ""


def rating(scale, value) -> dict:
    """A rating with its label in the request's language; a commitment no report of the stage
    assessed has none (null), which the list's filters count as ND."""
    if value is None:
        return {"value": None, "label": str(NOT_ASSESSED_LABEL)}
    try:
        return {"value": value, "label": str(scale(value).label)}
    except ValueError:  # a value stored outside the scale (a raw SQL write): shown as stored
        return {"value": value, "label": value}


class Labels:
    """Labels shared by every row of one response, looked up once (the request's language)."""

    def __init__(self):
        self.statuses = {value: str(label) for value, label in Commitment.Status.choices}
        self.values = [(field, slug) for field, (slug, _label) in zip(OGP_VALUE_FIELDS, ogp_value_choices(),
                                                                       strict=True)]
        self._ratings = {}

    def status(self, value) -> dict:
        return {"value": value, "label": self.statuses.get(value, value)}

    def rating(self, field, value) -> dict:
        key = (field, value)
        if key not in self._ratings:
            self._ratings[key] = rating(RATING_SCALES[field], value)
        return dict(self._ratings[key])


def commitment_urls(request, identifier) -> dict:
    """The commitment's HTML page and API detail, absolute (what a client follows)."""
    segment = identifier_segment(identifier)
    return {"url": request.build_absolute_uri(f"/commitments/{segment}/"),
            "api_url": request.build_absolute_uri(f"/api/v1/commitments/{segment}/")}


def row_values(commitments):
    """The list's columns of these commitments as plain values; paginated by api/pagination.py."""
    return commitments.values(*ROW_COLUMNS)


def _disagrees(row) -> bool:
    """progress.py's rule in Python, from the stored counts: whether milestones under way (the
    only count not stored) make the level Limited or Not started, neither is high completion,
    so the comparison with the IRM is exact. (The SQL form, progress.annotate(), costs more to
    build than the page's whole query.)"""
    counted, complete = row["milestones_counted"], row["milestones_complete"]
    return progress.Progress(counted, complete, progress.level(counted, complete, 0),
                             row["mid_term_completion"], row["end_of_term_completion"]).disagrees


def total(filterset) -> int:
    """How many commitments the filter state matches: the list's own cached total (facets.total),
    since a COUNT costs more than the page itself (docs/decisions.md, "Counts per part"; bench case
    "API page of 50, facets off", bench/api.py)."""
    return facets.total(filterset)


def commitment_rows(request, rows) -> list[dict]:
    """The list items of a page of row_values(): two more queries, whatever the number of rows."""
    rows = list(rows)
    ids = [row["pk"] for row in rows]
    supporting, areas = {pk: [] for pk in ids}, {pk: [] for pk in ids}
    if ids:
        through = Commitment.supporting_institutions.through
        for commitment_id, name in (through.objects.filter(commitment_id__in=ids)
                                    .order_by("institution__name").values_list("commitment_id",
                                                                               "institution__name")):
            supporting[commitment_id].append(name)
        through = Commitment.policy_areas.through
        areas_of = (through.objects.filter(commitment_id__in=ids).order_by("policyarea__name")
                    .values_list("commitment_id", "policyarea__slug", "policyarea__name"))
        for commitment_id, slug, name in areas_of:
            areas[commitment_id].append({"slug": slug, "name": name})
    labels = Labels()
    return [_row(request, labels, row, supporting[row["pk"]], areas[row["pk"]]) for row in rows]


def _row(request, labels, row, supporting, areas) -> dict:
    counted, complete = row["milestones_counted"], row["milestones_complete"]
    return {
        "identifier": row["identifier"],
        "title": row["title"],
        "short_title": row["short_title"],
        "member": {"slug": row["action_plan__member__slug"], "name": row["action_plan__member__name"]},
        "action_plan": {"ogp_id": row["action_plan__ogp_id"], "title": row["action_plan__title"],
                        "submission_year": row["action_plan__submission_year"],
                        "end_year": row["action_plan__end_year"]},
        "status": labels.status(row["status"]),
        "starred": row["starred"],
        "lead_institution": row["lead_institution__name"],
        "supporting_institutions": supporting,
        "policy_areas": areas,
        "ogp_values": [slug for field, slug in labels.values if row[field]],
        "ratings": {field: labels.rating(field, row[field]) for field in STORED_RATING_FIELDS},
        "progress": {"milestones_counted": counted, "milestones_complete": complete,
                     "percent_complete": round(100 * complete / counted) if counted else None,
                     "disagrees_with_irm": _disagrees(row)},
        "updated_at": row["updated_at"],
        **commitment_urls(request, row["identifier"]),
    }


def facet_choices(choices) -> list[dict]:
    """A facet's choices (facets.facet_choices(): FacetChoice's fields as tuples) as JSON objects."""
    return [{"value": value, "label": label, "count": count, "selected": selected}
            for value, label, count, selected in choices]


# -- one commitment ----------------------------------------------------------------------------


def _choice(model, name, value) -> dict:
    labels = dict(model._meta.get_field(name).flatchoices)
    return {"value": value, "label": str(labels.get(value, value))}


def report_ref(report) -> dict:
    return {"id": report.pk, "kind": _choice(type(report), "kind", report.kind), "title": report.title,
            "publication_year": report.publication_year, "researcher": report.researcher,
            "url": link(report.url)}


def assessment(item) -> dict:
    """One IRM assessment: every rating with its label, the IRM's texts, its report."""
    return {
        "id": item.pk,
        "report": report_ref(item.report),
        "ratings": {name: rating(scale, getattr(item, name)) for name, scale in ASSESSMENT_SCALES.items()},
        **{name: getattr(item, name) for name in ASSESSMENT_TEXTS},
    }


def _assessed(item):
    return None if item is None else {"report_id": item.report_id, "report_title": item.report.title}


def commitment_detail(request, context) -> dict:
    """Everything the commitment page shows (queries.commitment_detail_context), as values."""
    shown, plan, member = context["commitment"], context["plan"], context["member"]
    labels = Labels()
    progress_now = context["progress"]
    early = context["early_results"]
    return {
        "identifier": shown.identifier,
        "version": shown.version,
        "as_of": context["as_of"].isoformat() if context["as_of"] else None,
        "history_begins": context["history_begins"].isoformat(),
        "title": shown.title,
        "short_title": shown.short_title,
        "number": shown.number,
        "theme": shown.theme,
        "member": {"slug": member.slug, "name": member.name,
                   "api_url": request.build_absolute_uri(reverse("api:member-detail", args=[member.slug]))},
        "action_plan": {"ogp_id": plan.ogp_id, "title": plan.title, "submission_year": plan.submission_year,
                        "end_year": plan.end_year},
        "status": labels.status(shown.status),
        "starred": shown.starred,
        "carried_forward": _choice(Commitment, "carried_forward", shown.carried_forward),
        "description": shown.description,
        "description_sections": [{"heading": heading, "text": text}
                                 for heading, text in shown.description_sections],
        "start_date": shown.start_date, "start_date_text": shown.start_date_text,
        "end_date": shown.end_date, "end_date_text": shown.end_date_text,
        "lead_institution": shown.lead_institution.name if shown.lead_institution else None,
        # Today's: supporting institutions, policy areas and sources have no history (past.py).
        "supporting_institutions": [i.name for i in shown.supporting_institutions.all()],
        "policy_areas": [{"slug": area.slug, "name": area.name} for area in shown.policy_areas.all()],
        "ogp_values": [slug for field, slug in labels.values if getattr(shown, field)],
        "ogp_url": link(shown.ogp_url),
        "ratings": {field: labels.rating(field, getattr(shown, field)) for field in STORED_RATING_FIELDS},
        "ratings_from": {"mid_term": _assessed(context["mid_term"]),
                         "end_of_term": _assessed(context["end_of_term"]),
                         "design": _assessed(context["design"])},
        "uses_potential_for_results": context["uses_potential_for_results"],
        "early_results": None if early is None else rating(
            EarlyResults if early[1] == "EarlyResults" else OpenGovernment, early[0]),
        "irm_summary": context["irm_summary"],
        "carried_forward_narrative": context["carried_forward_narrative"],
        "researchers": context["researchers"],
        "progress": {"milestones_counted": progress_now.counted, "milestones_complete": progress_now.complete,
                     "percent_complete": progress_now.share,
                     "level": rating(Completion, progress_now.level) if progress_now.level else None,
                     "disagrees_with_irm": progress_now.disagrees, "rule": str(context["progress_rule"])},
        "milestones": [{"id": m.pk, "order": m.order, "text": m.text, "status": rating(Completion, m.status),
                        "start_date": m.start_date, "end_date": m.end_date, "completed_on": m.completed_on,
                        # A past day's milestones are not flagged (the page flags today's only).
                        "overdue": bool(getattr(m, "overdue", False)), "reschedule_count": m.reschedule_count,
                        "evidence_url": link(m.evidence_url)} for m in context["milestones"]],
        "assessments": [assessment(item) for item in context["assessments"]],
        "reports": [report_ref(report) for report in context["reports"]],
        "sources": [{"footnote": s.footnote, "text": s.text, "url": link(s.url)}
                    for s in shown.sources.all()],
        "other_commitments": [
            {"action_plan_title": group.title, "cycle": group.cycle,
             "commitments": [{"identifier": item.identifier, "title": item.title, "starred": item.starred,
                              "policy_area": item.area} for item in group.commitments]}
            for group in context["other_commitments_by_plan"]],
        "lineage": {side: [{"identifier": step.identifier, "title": step.title,
                            "url": request.build_absolute_uri(step.url) if step.url else ""}
                           for step in getattr(context["lineage"], side)]
                    for side in ("continues", "continued_in")},
        "updated_at": shown.updated_at,
        "history_url": request.build_absolute_uri(
            reverse("api:commitment-history", args=[shown.identifier])),
        **commitment_urls(request, shown.identifier),
    }


def entry(request, item) -> dict:
    """One change of the public history (history.Entry)."""
    return {"id": str(item.history_id), "when": item.when, "author": str(item.author),
            "subject": str(item.subject), "note": item.note, "kind": item.kind, "removed": item.removed,
            "commitment": item.commitment_identifier, "commitment_title": item.commitment_title,
            "evidence_url": link(item.evidence_url),
            "changes": [{"label": str(c.label), "old": str(c.old), "new": str(c.new)} for c in item.changes],
            "url": request.build_absolute_uri(item.url)}


# -- members, plans, reports -------------------------------------------------------------------


def member_item(request, member) -> dict:
    return {"slug": member.slug, "name": member.name, "code": member.code,
            "region": _choice(type(member), "region", member.region),
            "kind": _choice(type(member), "kind", member.kind),
            "action_plan_count": getattr(member, "action_plan_count", None),
            "commitment_count": getattr(member, "commitment_count", None),
            "url": request.build_absolute_uri(member.get_absolute_url()),
            "api_url": request.build_absolute_uri(reverse("api:member-detail", args=[member.slug]))}


def summary(value: IRMSummary) -> dict:
    """The IRM's summary counts (reviews/summaries.py): per measure, each level's count."""
    return {"commitments": value.commitments, "starred": value.starred,
            "measures": {tally.key: {"label": str(tally.label),
                                     "levels": [{"value": row.value, "label": row.label, "count": row.count}
                                                for row in tally.rows()]}
                         for tally in value.tallies.values()}}


def plan_item(request, plan, plan_summary) -> dict:
    return {"ogp_id": plan.ogp_id, "number": plan.number, "title": plan.title,
            "submission_year": plan.submission_year, "end_year": plan.end_year,
            "member": {"slug": plan.member.slug, "name": plan.member.name},
            "irm_summary": summary(plan_summary),
            "url": request.build_absolute_uri(plan.get_absolute_url()),
            "api_url": request.build_absolute_uri(reverse("api:action-plan-detail", args=[plan.ogp_id]))}


def report_item(request, report) -> dict:
    plan = report.action_plan
    return {**report_ref(report),
            "action_plan": {"ogp_id": plan.ogp_id, "title": plan.title,
                            "member": {"slug": plan.member.slug, "name": plan.member.name}},
            "assessment_count": getattr(report, "assessment_count", None),
            "api_url": request.build_absolute_uri(reverse("api:report-detail", args=[report.pk]))}


def report_assessments(request, report) -> list[dict]:
    """The report's assessments, each with its commitment: two queries."""
    items = (Assessment.objects.filter(report=report).select_related("commitment")
             .order_by("commitment__identifier"))
    result = []
    for item in items:
        item.report = report
        result.append({**assessment(item), "commitment": {
            "identifier": item.commitment.identifier, "title": item.commitment.title,
            **commitment_urls(request, item.commitment.identifier)}})
    return result

