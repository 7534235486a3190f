"""The read API, /api/v1/: each endpoint on a known data set, as a client uses it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from commitments import history, progress, queries
from commitments.models import Commitment, FacetDataVersion, Member, Milestone, Source
from reviews.models import Assessment, IRMReport
from reviews.summaries import summaries_by_action_plan
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory, MilestoneFactory
from tests.commitments.test_history import on, staff_edit

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def get(client, path, status=200, **headers):
    response = client.get(API + path, **headers)
    assert response.status_code == status, response.content[:500]
    return response


def identifiers(body) -> list[str]:
    return [item["identifier"] for item in body["results"]]


# -- the list ----------------------------------------------------------------------------------


def test_a_list_item_carries_what_a_client_needs(client, catalogue):
    body = get(client, "commitments/").json()
    assert body["count"] == 6 and body["page"] == 1 and body["pages"] == 1
    item = next(item for item in body["results"] if item["identifier"] == "AL0001")
    assert item["title"] == "Open parliament portal"
    assert item["member"] == {"slug": "alpha", "name": "Alpha"}
    assert item["action_plan"]["ogp_id"] == "AP_ALP01" and item["action_plan"]["submission_year"] == 2014
    assert item["status"] == {"value": "active", "label": "Active"}
    assert item["starred"] is True
    assert item["lead_institution"] == "Ministry of Finance"
    assert item["supporting_institutions"] == ["Congress"]
    assert item["policy_areas"] == [{"slug": "legislature", "name": "Legislature"}]
    assert item["ogp_values"] == ["access-to-information"]
    assert item["ratings"]["end_of_term_completion"] == {"value": "complete", "label": "Complete"}
    assert item["ratings"]["mid_term_completion"] == {"value": "limited", "label": "Limited"}
    assert item["ratings"]["potential_for_results"] == {"value": "ND", "label": "No data"}  # the IRM's code
    unassessed = next(item for item in body["results"] if item["identifier"] == "AL0003")
    assert unassessed["ratings"]["end_of_term_completion"] == {"value": None, "label": "Not assessed"}
    # One of two milestones complete: reported "substantial" against the IRM's complete, no disagreement.
    assert item["progress"] == {"milestones_counted": 2, "milestones_complete": 1, "percent_complete": 50,
                                "disagrees_with_irm": False}
    assert item["url"] == "http://testserver/commitments/AL0001/"
    assert item["api_url"] == "http://testserver/api/v1/commitments/AL0001/"
    assert client.get(item["api_url"]).json()["identifier"] == "AL0001"


def test_labels_come_in_the_language_asked_for(client, catalogue):
    body = get(client, "commitments/?member=alpha", HTTP_ACCEPT_LANGUAGE="es").json()
    item = next(item for item in body["results"] if item["identifier"] == "AL0001")
    assert item["status"]["label"] != "Active"  # Spanish
    assert item["ratings"]["end_of_term_completion"]["value"] == "complete"


# The same query strings on the list page and the API: the same commitments, the same counts.
SAME_QUERIES = [
    "",
    "member=alpha",
    "member=alpha&member=beta&status=inactive",
    "completion=complete&completion=substantial",
    "completion=ND",
    "completion=NR&completion=limited",
    "value=access-to-information&value=civic-participation",
    "policy_area=legislature&policy_area=open-data&starred=true",
    "action_plan=AP_BET01&year_min=2015",
    "q=register",
    "progress_disagrees=true",
    "member=beta&sort=-title",
]


def test_the_api_and_the_list_give_the_same_commitments_and_counts(client, catalogue):
    for query in SAME_QUERIES:
        _compare_with_the_list(client, query)


def _compare_with_the_list(client, query):
    page = client.get(f"/commitments/?{query}", follow=True)
    assert page.status_code == 200
    listed = [row["identifier"] for row in page.context["rows"]]
    facet_counts = {facet.name: {choice.value: choice.count for choice in facet.choices}
                    for _legend, members in page.context["groups"]
                    for facet in members if not isinstance(facet, str)}
    api_query = query.replace("sort=", "ordering=")
    names = ",".join(facet_counts)
    body = get(client, f"commitments/?{api_query}&page_size=25&facets={names}").json()
    assert identifiers(body) == listed, query
    assert body["count"] == page.context["page_obj"].paginator.count, query
    for name, counts in facet_counts.items():
        api_counts = {choice["value"]: choice["count"] for choice in body["facets"][name]}
        # The list shows the most frequent database choices; the API gives every one.
        assert {value: api_counts[value] for value in counts} == counts, (query, name)


def test_progress_disagreement_is_the_lists_rule(client, catalogue):
    """The API reads it in Python from the stored counts; the list filters by its SQL form."""
    MilestoneFactory(commitment=catalogue["AL0002"], order=1, status="limited")  # IRM: substantial
    flags = {item["identifier"]: item["progress"]["disagrees_with_irm"]
             for item in get(client, "commitments/").json()["results"]}
    disagreeing = set(identifiers(get(client, "commitments/?progress_disagrees=true").json()))
    assert disagreeing == {identifier for identifier, flag in flags.items() if flag} == {"AL0002"}
    in_sql = progress.annotate(Commitment.objects.all()).values_list("identifier", "progress_disagrees")
    assert dict(in_sql) == flags


def test_repeated_values_of_one_filter_are_any_of_them(client, catalogue):
    one = set(identifiers(get(client, "commitments/?member=alpha").json()))
    other = set(identifiers(get(client, "commitments/?member=beta").json()))
    both = set(identifiers(get(client, "commitments/?member=alpha&member=beta").json()))
    assert both == one | other and one and other


def test_facets_are_counted_with_the_other_filters_applied(client, catalogue):
    body = get(client, "commitments/?member=alpha&facets=member,status").json()
    members = {choice["value"]: choice for choice in body["facets"]["member"]}
    assert members["alpha"]["count"] == 3 and members["alpha"]["selected"] is True
    assert members["beta"]["count"] == 3 and members["beta"]["selected"] is False
    statuses = {choice["value"]: choice["count"] for choice in body["facets"]["status"]}
    assert statuses == {"active": 2, "inactive": 1}
    assert "facets" not in get(client, "commitments/").json()


def test_ordering_takes_the_lists_sort_values(client, catalogue):
    body = get(client, "commitments/?ordering=-identifier").json()
    assert identifiers(body) == sorted(identifiers(body), reverse=True)
    titles = [item["title"] for item in get(client, "commitments/?ordering=title").json()["results"]]
    assert titles == sorted(titles)


def test_pages_by_number_with_the_total(client, catalogue):
    first = get(client, "commitments/?page_size=4").json()
    assert first["count"] == 6 and first["pages"] == 2 and len(first["results"]) == 4
    second = client.get(first["next"]).json()
    assert second["page"] == 2 and len(second["results"]) == 2 and second["next"] is None
    assert identifiers(first) + identifiers(second) == sorted(catalogue)
    assert client.get(second["previous"]).json()["results"] == first["results"]


def test_a_cursor_walks_every_commitment_once(client, catalogue):
    seen, url = [], API + "commitments/?cursor=&page_size=2&member=alpha&member=beta"
    while url:
        body = client.get(url).json()
        assert body["count"] == 6
        seen += identifiers(body)
        url = body["next"]
    assert seen == sorted(catalogue)


# -- one commitment ----------------------------------------------------------------------------


def test_the_detail_holds_what_the_page_shows(client, catalogue):
    body = get(client, "commitments/AL0001/").json()
    assert body["version"] == catalogue["AL0001"].version
    assert [m["order"] for m in body["milestones"]] == [1, 2]
    assert body["milestones"][0]["status"] == {"value": "complete", "label": "Complete"}
    assert body["milestones"][1]["evidence_url"] == "https://example.org/evidence"
    assert [a["report"]["kind"]["value"] for a in body["assessments"]] == ["progress", "end-of-term"]
    assert body["assessments"][1]["ratings"]["completion"] == {"value": "complete", "label": "Complete"}
    assert body["sources"] == [{"footnote": 1, "text": "Portal launch", "url": "https://example.org/portal"}]
    assert body["irm_summary"] == "Parliament opens its data."
    assert body["ratings"]["end_of_term_completion"]["value"] == "complete"
    assert body["ratings_from"]["end_of_term"]["report_title"].endswith("end-of-term")
    assert {"Alpha"} == {body["member"]["name"]}
    assert [c["identifier"] for group in body["other_commitments"] for c in group["commitments"]] == [
        "AL0003", "AL0001", "AL0002"]
    page = client.get("/commitments/AL0001/")
    assert body["title"] in page.content.decode()


def test_a_lower_case_identifier_is_sent_to_the_canonical_address(client, catalogue):
    response = client.get(API + "commitments/al0001/?as_of=2025-01-01")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/commitments/AL0001/?as_of=2025-01-01"


def test_as_of_gives_the_commitment_as_its_page_gives_it(client, chile, chile_staff):
    Commitment.objects.filter(identifier="CL0050").update(created_at="2024-01-01T00:00:00Z")
    with on("2025-03-10"):
        staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note="Reopened")
    with on("2025-04-10"):
        staff_edit(chile_staff, status=Commitment.Status.INACTIVE, note="Closed again")
    for day, status in (("2025-03-20", "active"), ("2025-05-01", "inactive")):
        body = get(client, f"commitments/CL0050/?as_of={day}").json()
        page = client.get(f"/commitments/CL0050/?as_of={day}")
        assert body["as_of"] == day
        assert body["status"]["value"] == page.context["commitment"].status == status
    assert get(client, "commitments/CL0050/").json()["status"]["value"] == "inactive"
    assert get(client, "commitments/CL0050/?as_of=2023-06-01", status=404).json()["detail"]


def test_the_history_is_the_pages_timeline(client, chile, chile_staff):
    staff_edit(chile_staff, status=Commitment.Status.ACTIVE, note="Reopened <b>now</b>")
    body = get(client, "commitments/CL0050/history/").json()
    timeline = history.timeline(Commitment.objects.get(identifier="CL0050"))
    assert body["count"] == len(timeline) >= 1
    assert [entry["id"] for entry in body["results"]] == [str(entry.history_id) for entry in timeline]
    assert body["results"][0]["note"] == "Reopened <b>now</b>"  # JSON carries text, never markup
    assert any(change["label"] for change in body["results"][0]["changes"])
    changes = get(client, "changes/").json()
    assert changes["results"][0]["commitment"] == "CL0050"
    assert get(client, "changes/?since=2999-01-01").json()["count"] == 0
    assert get(client, "changes/?member=chile").json()["count"] == changes["count"]


# -- members, plans, reports -------------------------------------------------------------------


def test_members_and_a_members_plans_with_their_summary_counts(client, catalogue):
    members = get(client, "members/").json()
    assert [(m["slug"], m["action_plan_count"], m["commitment_count"]) for m in members["results"]] == [
        ("alpha", 2, 3), ("beta", 1, 3)]
    alpha = get(client, "members/alpha/").json()
    assert [plan["ogp_id"] for plan in alpha["action_plans"]] == ["AP_ALP02", "AP_ALP01"]
    plan = alpha["action_plans"][1]
    expected = summaries_by_action_plan([catalogue["AL0001"].action_plan])[catalogue["AL0001"].action_plan_id]
    levels = {row["value"]: row["count"] for row in plan["irm_summary"]["measures"]["end_of_term_completion"]
              ["levels"]}
    assert levels == {row.value: row.count for row in expected["end_of_term_completion"].rows()}
    assert alpha["irm_summary"]["commitments"] == 3 and plan["irm_summary"]["commitments"] == 2
    get(client, "members/nobody/", status=404)


def test_an_action_plan_with_its_reports_and_commitments(client, catalogue):
    body = get(client, "action-plans/AP_ALP01/").json()
    assert identifiers({"results": body["commitments"]}) == ["AL0001", "AL0002"]
    assert [report["kind"]["value"] for report in body["reports"]] == ["progress", "end-of-term"]
    assert body["irm_summary"]["starred"] == 1
    get(client, "action-plans/AP_NONE/", status=404)


def test_reports_and_their_assessments(client, catalogue):
    body = get(client, "reports/").json()
    assert body["count"] == 3
    assert get(client, "reports/?member=beta").json()["count"] == 1
    assert get(client, "reports/?kind=progress").json()["results"][0]["assessment_count"] == 2
    report = IRMReport.objects.get(kind="end-of-term", action_plan__ogp_id="AP_ALP01")
    detail = get(client, f"reports/{report.pk}/").json()
    assert [a["commitment"]["identifier"] for a in detail["assessments"]] == ["AL0001", "AL0002"]
    assert detail["assessments"][0]["ratings"]["did_it_open_government"]["value"] == "major"
    get(client, "reports/999999/", status=404)


# -- HTTP: CORS, conditional requests, throttling ----------------------------------------------


def test_every_origin_may_read(client, catalogue):
    response = get(client, "commitments/", HTTP_ORIGIN="https://newsroom.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    # A page elsewhere asking to PATCH (with a token) is let through; methods the API has not are not offered.
    preflight = client.options("/api/v1/commitments/AL0001/", HTTP_ORIGIN="https://newsroom.example",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH")
    assert preflight.status_code == 200 and preflight["Access-Control-Allow-Origin"] == "*"
    methods = {method.strip() for method in preflight["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS", "PATCH"}


CONDITIONAL = ["commitments/?member=alpha", "commitments/AL0001/", "members/", "members/alpha/",
               "commitments/AL0001/history/", "changes/", "reports/", "action-plans/AP_ALP01/"]


def test_a_matching_conditional_request_gets_304(client, catalogue):
    for path in CONDITIONAL:
        first = get(client, path)
        etag = first["ETag"]
        assert get(client, path, status=304, HTTP_IF_NONE_MATCH=etag).content == b""
        assert get(client, path, HTTP_IF_NONE_MATCH='"something-else"').content == first.content
        if first.has_header("Last-Modified"):
            get(client, path, status=304, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert get(client, "commitments/AL0001/").has_header("Last-Modified")


def _rate_again():
    assessment = Assessment.objects.filter(commitment__identifier="CL0050").order_by("pk").first()
    rated = assessment.did_it_open_government
    assessment.did_it_open_government = "major" if rated != "major" else "marginal"
    assessment.save()  # as the IRM's admin saves it: the commitment's own row is not saved


def _complete_a_milestone():
    milestone = Milestone.objects.filter(commitment__identifier="CL0050").order_by("pk").first()
    milestone.status = "complete" if milestone.status != "complete" else "not-started"
    milestone.save()


def _rename_the_member():
    Member.objects.filter(slug="chile").get().save()  # a save of what the lists show beside the commitment


def _add_a_source():
    Source.objects.create(commitment=Commitment.objects.get(identifier="CL0050"), footnote=999,
                          text="A new source")


@pytest.mark.parametrize("write", [_rate_again, _complete_a_milestone, _rename_the_member, _add_a_source])
@pytest.mark.parametrize("path", ["commitments/CL0050/", "commitments/?member=chile", "members/",
                                  "commitments/CL0050/history/"])
def test_a_client_revalidating_by_date_alone_is_never_told_a_changed_record_is_not(client, chile, path,
                                                                                    write):
    """Last-Modified moves with every write (the data version's changed_at), not only with the
    commitment's own row: an assessment, a milestone, a member or a source changed is new data."""
    # HTTP dates are whole seconds: the data as last changed a while ago, then the write now.
    FacetDataVersion.objects.filter(pk=1).update(changed_at=timezone.now() - datetime.timedelta(minutes=1))
    first = get(client, path)
    write()
    again = get(client, path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again["Last-Modified"] != first["Last-Modified"]
    get(client, path, status=304, HTTP_IF_MODIFIED_SINCE=again["Last-Modified"])


def test_a_change_gives_a_new_etag(client, catalogue):
    etag = get(client, "commitments/AL0001/")["ETag"]
    Commitment.objects.filter(identifier="AL0001").update(title="Open parliament portal, renewed")
    response = get(client, "commitments/AL0001/", HTTP_IF_NONE_MATCH=etag)
    assert response["ETag"] != etag and response.json()["title"].endswith("renewed")


def test_anonymous_clients_over_the_limit_get_429_with_retry_after(client, catalogue, settings):
    limited = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    with override_settings(REST_FRAMEWORK=limited):
        for _ in range(3):
            get(client, "members/")
        response = get(client, "commitments/", status=429)
        assert int(response["Retry-After"]) > 0
        assert "throttled" in response.json()["detail"].lower()
        # The schema too, in JSON like the other refusals (the schema itself is YAML).
        response = get(client, "schema/", status=429)
        assert response["Content-Type"] == "application/json"
        assert "throttled" in response.json()["detail"].lower()
        # Another address has its own allowance.
        get(client, "members/", REMOTE_ADDR="203.0.113.9")


# -- bad requests: 400 with a reason ----------------------------------------------------------

BAD = [
    ("commitments/?colour=red", "colour"),
    ("commitments/?completion=perfect", "completion"),
    ("commitments/?status=maybe", "status"),
    ("commitments/?status=active&status=inactive", "status"),
    ("commitments/?year_min=twenty", "year_min"),
    ("commitments/?year_min=99999999999999999999", "year_min"),
    ("commitments/?ordering=colour", "ordering"),
    ("commitments/?facets=member,colour", "facets"),
    ("commitments/?page_size=100000", "page_size"),
    ("commitments/?page_size=0", "page_size"),
    ("commitments/?page=first", "page"),
    ("commitments/?page=1&page=2", "page"),
    ("commitments/?page_size=2&page_size=3", "page_size"),
    ("commitments/?cursor=&cursor=", "cursor"),
    ("commitments/?lead_institution=abc", "lead_institution"),
    ("commitments/AL0001/?as_of=2018-02-30", "as_of"),
    ("commitments/AL0001/?as_of=yesterday", "as_of"),
    ("commitments/AL0001/?expand=all", "expand"),
    ("changes/?since=last-week", "since"),
    ("reports/?kind=blog", "kind"),
    ("members/?page=2", "page"),
    ("commitments/?member=al%00pha", "member"),
    ("commitments/?q=%00", "q"),
    ("changes/?since=2024-01-01%00", "since"),
]


# A value the schema allows that names nothing: 404 naming the parameter (api/errors.NamesNothing).
NAMES_NOTHING = [
    ("commitments/?member=nobody", "member"),
    ("commitments/?lead_institution=987654", "lead_institution"),
    ("commitments/?cursor=bm90IGEgY3Vyc29y", "cursor"),
    ("commitments/?cursor=%%%", "cursor"),
    ("changes/?member=nobody", "member"),
]
# What the schema forbids and the server refused too late or not at all (issue 23, finding 9).
BAD += [
    ("commitments/?page=0", "page"),
    ("reports/?page_size=0", "page_size"),
    ("changes/?since=", "since"),
    ("reports/?kind=", "kind"),
    ("commitments/AL0001/?as_of=", "as_of"),
    ("commitments/?completion=", "completion"),
    ("commitments/?year_min=", "year_min"),
    ("commitments/?lead_institution=0", "lead_institution"),
    ("commitments/?lead_institution=99999999999", "lead_institution"),
]


def test_a_value_naming_nothing_answers_404_naming_it(client, catalogue):
    for path, named in NAMES_NOTHING:
        body = get(client, path, status=404).json()
        assert named in body["errors"] and body["errors"][named][0], path
        assert named in body["detail"], path


def test_a_walk_by_cursor_takes_no_page_or_order(client, catalogue):
    """A walk goes by `next`, in identifier order: a page number or an order sent with it is not used
    (the schema says so: no JSON Schema can refuse the two together)."""
    walk = get(client, "commitments/?cursor=&page_size=3").json()
    other = get(client, "commitments/?cursor=&page_size=3&page=2&ordering=-title").json()
    assert other["results"] == walk["results"]
    assert [row["identifier"] for row in walk["results"]] == ["AL0001", "AL0002", "AL0003"]


def test_a_day_after_today_is_not_recorded_yet(client, catalogue):
    body = get(client, "commitments/AL0001/?as_of=2999-01-01", status=404).json()
    assert "after today" in body["detail"]


def test_a_bad_request_answers_400_naming_the_problem(client, catalogue):
    for path, named in BAD:
        body = get(client, path, status=400).json()
        assert named in body["errors"] and body["errors"][named][0], path
        assert named in body["detail"], path


def test_a_page_past_the_last_and_unknown_addresses_are_json_404s(client, catalogue):
    assert "no page 9" in get(client, "commitments/?page=9", status=404).json()["detail"].lower()
    assert get(client, "nothing-here/", status=404).json()["detail"]
    assert get(client, "commitments/XX9999/", status=404).json()["detail"]


# -- queries: a fixed number, whatever the rows -------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        get(client, path)
    return len(captured)


# Each read with its most queries (on SQLite and PostgreSQL alike).
COUNTED = {
    "commitments/?page_size=100": 7,
    "commitments/?cursor=&page_size=100": 7,
    # The facets counted afresh: FacetCounter's queries, then cached.
    "commitments/?facets=member,completion,policy_area,value&member=alpha&member=beta": 24,
    "members/": 4,
    "members/alpha/": 5,
    "action-plans/AP_ALP01/": 8,
    "reports/": 4,
    "changes/": 16,
}


def test_query_counts_stay_constant_as_rows_grow(client, catalogue, django_assert_max_num_queries):
    before = {path: _queries(client, path) for path in COUNTED}
    plan = catalogue["AL0001"].action_plan
    for number in range(12):
        CommitmentFactory(identifier=f"AL1{number:03d}", action_plan=plan, supporting_institutions=[
            catalogue["AL0002"].lead_institution], policy_areas=list(catalogue["BE0001"].policy_areas.all()))
    ActionPlanFactory(member=MemberFactory(name="Gamma", slug="gamma"), ogp_id="AP_GAM01")
    for path, most in COUNTED.items():
        assert before[path] <= most, (path, before[path])
        with django_assert_max_num_queries(before[path]):
            get(client, path)


def test_the_detail_takes_a_fixed_number_of_queries(client, catalogue, django_assert_max_num_queries):
    before = _queries(client, "commitments/AL0001/")
    for order in range(3, 9):
        catalogue["AL0001"].milestones.create(order=order, text=f"Step {order}")
    with django_assert_max_num_queries(before):
        get(client, "commitments/AL0001/")
    assert before <= 20


def test_the_page_and_the_api_read_the_same_detail(client, catalogue):
    commitment = queries.commitment_detail_queryset().get(identifier="AL0001")
    context = queries.commitment_detail_context(commitment)
    body = get(client, "commitments/AL0001/").json()
    assert [m["id"] for m in body["milestones"]] == [m.pk for m in context["milestones"]]
    assert body["progress"]["level"]["value"] == context["progress"].level


def test_ipv6_clients_share_the_allowance_of_their_64(client, catalogue, settings):
    """A client given a /64 picks a new address per request at will: the throttle counts the /64."""
    limited = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    with override_settings(REST_FRAMEWORK=limited):
        for address in ("2001:db8:a:b::1", "2001:db8:a:b::2", "2001:db8:a:b:ffff:ffff:ffff:fffe"):
            get(client, "members/", REMOTE_ADDR=address)
        get(client, "members/", status=429, REMOTE_ADDR="2001:db8:a:b:1234:5678:9abc:def0")
        # The neighbouring /64 is another subscriber, with its own allowance; IPv4 stays per address.
        get(client, "members/", REMOTE_ADDR="2001:db8:a:c::1")
        get(client, "members/", REMOTE_ADDR="203.0.113.10")
