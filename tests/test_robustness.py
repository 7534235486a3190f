"""Hostile input against every public URL and every form: never a 500, and text always escaped.

The URLs come from the URLconf itself, so pages added later are covered without editing this
file; the forms come from the pages' own HTML, as a browser (or an attacker) would find them.
"""

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Modest: the whole module must stay quick enough for every CI run.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# URLs outside the public site: the admin has its own suite; logout and language switching
# are reached through the forms the pages show.
SKIPPED_NAMESPACES = {"admin"}
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")

# Values that exist in the Chile seed, per URL parameter name; any other name gets "1".
REAL_VALUES = {"identifier": "CL0050", "slug": "chile", "ogp_id": "AP_CHL03", "pk": "1", "id": "1"}

HOSTILE_TEXT = [
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "' OR 1=1 --",
    "%00",
    "\x00",
    "\u202e\u200f",
    "💥" * 50,
    "a" * 5000,
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "../../etc/passwd",
    "{{ 7|add:7 }}",
    "${7*7}",
    "&amp;&#0;",
    "\r\nSet-Cookie: x=1",
    "ND",
    "not-started",
    "true",
    "2026-02-30",
    ":* & ! |",
    "%FF%FE",
]
FILTER_KEYS = [
    "q",
    "member",
    "action_plan",
    "policy_area",
    "status",
    "starred",
    "completion",
    "mid_term_completion",
    "potential_impact",
    "potential_for_results",
    "did_it_open_government",
    "ogp_value",
    "lead_institution",
    "year_min",
    "year_max",
    "sort",
    "page",
    "as_of",
    "format",
    "progress_flag",
    "next",
    "language",
]

hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=300))
query_pairs = st.lists(
    st.tuples(st.one_of(st.sampled_from(FILTER_KEYS), st.text(min_size=1, max_size=20)), hostile_text),
    max_size=6,
)


def url_routes():
    """(route, name) of every URL pattern, the admin's excepted, with its prefixes joined."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner not in SKIPPED_NAMESPACES:
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.name

    return sorted(set(walk(get_resolver().url_patterns, "", None)))


def fill(route: str, value_for) -> str:
    """The route with each <converter:name> replaced by value_for(name), percent-encoded."""
    path = ROUTE_PARAMETER.sub(lambda match: quote(value_for(match["name"]), safe=""), route)
    return "/" + path.lstrip("^").rstrip("$")


def real_url(route: str) -> str:
    return fill(route, lambda name: REAL_VALUES.get(name, "1"))


ROUTES = url_routes()


def test_the_urlconf_is_discovered():
    names = {name for _, name in ROUTES}
    # The routes this module must always cover, whichever pages exist besides them.
    assert {"healthz", "set_language"} <= names
    assert all("admin/" not in route for route, _ in ROUTES)


@pytest.mark.django_db
@FUZZ
@given(route=st.sampled_from(ROUTES), pairs=query_pairs)
def test_hostile_query_strings_never_give_a_server_error(client, chile, route, pairs):
    url = real_url(route[0]) + "?" + urlencode(pairs)
    response = client.get(url)
    assert response.status_code < 500, url


@pytest.mark.django_db
@FUZZ
@given(route=st.sampled_from(ROUTES), raw=st.text(max_size=200))
def test_raw_undecodable_query_strings_never_give_a_server_error(client, chile, route, raw):
    # Bytes that are not UTF-8, unbalanced percent signs, separators only.
    url = real_url(route[0]) + "?" + quote(raw, safe="=&%;+") + "&q=%FF%FE%00&page=%C0"
    assert client.get(url).status_code < 500, url


@pytest.mark.django_db
@FUZZ
@given(
    route=st.sampled_from([r for r in ROUTES if ROUTE_PARAMETER.search(r[0])] or ROUTES), value=hostile_text
)
def test_hostile_path_parameters_never_give_a_server_error(client, chile, route, value):
    url = fill(route[0], lambda name: value or "x")
    assert client.get(url).status_code < 500, url


@pytest.mark.django_db
@FUZZ
@given(path=st.text(max_size=200))
def test_random_paths_never_give_a_server_error(client, chile, path):
    url = "/" + quote(path, safe="/?&=%")
    assert client.get(url).status_code < 500, url


class _Forms(HTMLParser):
    """Every POST form of a page: its action and its fields with their current values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.current = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self.current = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self.current)
        elif self.current is not None and tag in ("input", "select", "textarea") and a.get("name"):
            if a.get("type") not in ("submit", "button", "image", "file"):
                self.current["fields"].setdefault(a["name"], a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def page_forms(client, url):
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = _Forms()
    parser.feed(response.content.decode())
    return [(form["action"] or url, form["fields"]) for form in parser.forms]


@pytest.fixture
def forms(client, admin_client, chile):
    """Every POST form reachable from the public pages, anonymous and as a superuser (the staff
    forms included), plus the admin's commitment form: action -> (client, fields)."""
    from commitments.models import Commitment

    found = {}
    pages = [real_url(route) for route, _ in ROUTES]
    admin_page = f"/admin/commitments/commitment/{Commitment.objects.get(identifier='CL0050').pk}/change/"
    for some_client, urls in ((admin_client, [*pages, admin_page]), (client, pages)):
        for url in urls:
            for action, fields in page_forms(some_client, url):
                # The CSRF token is kept: the attack is on the data, not on the token.
                found.setdefault(urlsplit(action).path or url, (some_client, fields))
    return found


@pytest.mark.django_db
def test_the_staff_and_public_forms_are_found(forms):
    assert "/i18n/setlang/" in forms
    assert any(action.startswith("/admin/commitments/commitment/") for action in forms)
    names = {name for _, name in ROUTES}
    if "commitment-edit" in names:
        assert "/commitments/CL0050/edit/" in forms
    if "login" in names:
        assert "/accounts/login/" in forms


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_hostile_form_data_never_gives_a_server_error(forms, data):
    action = data.draw(st.sampled_from(sorted(forms)))
    some_client, fields = forms[action]
    fields = dict(fields)
    for name in data.draw(st.lists(st.sampled_from(sorted(fields) or ["x"]), max_size=len(fields) + 1)):
        fields[name] = data.draw(hostile_text)
    extra = data.draw(st.lists(st.tuples(st.text(min_size=1, max_size=30), hostile_text), max_size=2))
    fields.update(extra)
    if action.startswith("/accounts/logout"):
        return  # a sign-out would end the session the other examples use
    response = some_client.post(action, fields)
    assert response.status_code < 500, (action, fields)


# --- every text field HTML-escaped ------------------------------------------------------------

PAYLOAD = "<script>alert('xss')</script>\"><img src=x onerror=alert(1)>"


@pytest.fixture
def hostile_commitment(db, admin_user):
    """A commitment whose every text, and every text around it, is a script injection."""
    from commitments.models import Member
    from reviews.models import IRMReport
    from tests.commitments.factories import (
        ActionPlanFactory,
        CommitmentFactory,
        InstitutionFactory,
        MilestoneFactory,
        PolicyAreaFactory,
    )
    from tests.reviews.factories import AssessmentFactory, IRMReportFactory

    member = Member.objects.create(
        name=f"Member {PAYLOAD}", slug="hostile", code="XHO", region=Member.Region.EUROPE
    )
    plan = ActionPlanFactory(member=member, ogp_id="AP_XHO01", title=f"Plan {PAYLOAD}")
    texts = {
        name: f"{name} {PAYLOAD}"
        for name in (
            "title",
            "short_title",
            "theme",
            "description",
            "problem",
            "main_objective",
            "brief_description",
            "ogp_challenge",
            "relevance",
            "ambition",
            "start_date_text",
            "end_date_text",
        )
    }
    commitment = CommitmentFactory(
        identifier="XH0001",
        action_plan=plan,
        number=f"N {PAYLOAD}"[:30],
        **texts,
        lead_institution=InstitutionFactory(name=f"Lead {PAYLOAD}"),
        supporting_institutions=[InstitutionFactory(name=f"Support {PAYLOAD}")],
        policy_areas=[PolicyAreaFactory(name=f"Area {PAYLOAD}", slug="hostile-area")],
    )
    MilestoneFactory(commitment=commitment, order=1, text=f"Milestone {PAYLOAD}")
    for kind in (IRMReport.Kind.PROGRESS, IRMReport.Kind.END_OF_TERM):
        report = IRMReportFactory(
            action_plan=plan, kind=kind, title=f"Report {PAYLOAD}", researcher=f"Researcher {PAYLOAD}"
        )
        AssessmentFactory(
            report=report,
            commitment=commitment,
            completion="limited",
            cluster=PAYLOAD[:100],
            summary=f"Summary {PAYLOAD}",
            narrative=f"Narrative {PAYLOAD}",
            open_government_narrative=f"Open {PAYLOAD}",
            carried_forward_narrative=f"Carried {PAYLOAD}",
        )
    commitment.sources.create(footnote=1, text=f"Source {PAYLOAD}", url="https://example.org/source")
    return commitment


HOSTILE_VALUES = {"identifier": "XH0001", "slug": "hostile", "ogp_id": "AP_XHO01", "pk": "1", "id": "1"}


@pytest.mark.django_db
def test_every_text_field_is_escaped_on_every_page(client, admin_client, hostile_commitment):
    pages = [fill(route, lambda name: HOSTILE_VALUES.get(name, "1")) for route, _ in ROUTES]
    pages += ["/commitments/?q=alert", "/commitments/?member=hostile", f"/commitments/?q={quote(PAYLOAD)}"]
    shown = 0
    for some_client in (client, admin_client):
        for url in pages:
            response = some_client.get(url)
            assert response.status_code < 500, url
            if "html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            assert "<script>alert" not in html, url
            assert "<img src=x" not in html, url
            shown += "&lt;script&gt;alert(" in html
    # The payload did reach pages (escaped): the check above is not vacuous.
    assert shown >= 1


@pytest.mark.django_db
def test_the_detail_page_shows_the_title_as_text(client, hostile_commitment):
    response = client.get("/commitments/XH0001/")
    if response.status_code == 404:
        pytest.skip("the commitment page does not exist yet")
    html = response.content.decode()
    assert "title &lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;&quot;&gt;&lt;img src=x" in html
    assert "Milestone &lt;script&gt;" in html


@pytest.fixture
def fuzzed_commitment(db):
    from tests.commitments.factories import CommitmentFactory

    return CommitmentFactory(identifier="FZ0001")


@pytest.mark.django_db
@FUZZ
@given(
    title=st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("<>&\"'"),
        min_size=1,
        max_size=120,
    ).filter(lambda t: t.strip() == t and t)
)
def test_any_title_is_shown_escaped_on_its_page(client, fuzzed_commitment, title):
    from django.utils.html import escape

    from commitments.models import Commitment

    Commitment.objects.filter(pk=fuzzed_commitment.pk).update(title=title)
    response = client.get("/commitments/FZ0001/")
    if response.status_code == 404:
        pytest.skip("the commitment page does not exist yet")
    assert response.status_code == 200
    assert escape(title) in response.content.decode()
