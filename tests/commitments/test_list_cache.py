"""Issue 13.8: the list page below the site's header is kept in Django's cache (views/listing.py
ListPage, templates/commitments/commitment_list.html). It must stay exact: after each kind of write,
every state's next page is byte for byte the page a fresh render gives with the cache cleared; and
nothing per user may be kept in it."""

import datetime
import re

import pytest
from django.core.cache import caches
from django.utils import timezone

from commitments.filters import SORT_CHOICES
from commitments.freshness import versions
from commitments.models import ActionPlan, Commitment, Institution, Member, Milestone
from ogptracker.settings.base import FILE_CACHE, caches_at
from tests.caches import clear_caches
from tests.commitments.writes import (
    a_commitment,
    complete_a_milestone,
    flip_starred,
    flip_status,
    rate_an_assessment,
    save,
)

WORD = "transparencia"
# (URL, Accept-Language): unfiltered, member, member + completion, several completions, a text
# search, page 2, another sort, Spanish.
STATES = [
    ("/commitments/", "en"),
    ("/commitments/?member=chile", "en"),
    ("/commitments/?member=chile&completion=ND", "en"),
    ("/commitments/?completion=complete&completion=ND", "en"),
    (f"/commitments/?q={WORD}", "en"),
    ("/commitments/?page=2", "en"),
    ("/commitments/?sort=-title", "en"),
    ("/commitments/?member=chile&status=active", "es"),
]


def get(client, url, language="en"):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    # The language form's CSRF token differs on every page; the rest must not.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def pages(client):
    return {state: get(client, *state) for state in STATES}


def retitle():
    save(a_commitment(), title=f"Una {WORD} nueva")


def recase_the_title():
    # The search text is the same (accents and case do not matter to it), the row's title is not.
    commitment = a_commitment()
    save(commitment, title=commitment.title.swapcase() + " ·")


def retitle_the_plan():
    plan = ActionPlan.objects.get(pk=a_commitment().action_plan_id)
    plan.title = "Plan <b>renamed</b>"
    plan.save()


def rename_the_member():
    member = Member.objects.get(slug="chile")
    member.name = "Chile & co"
    member.save()


def rename_an_institution():
    institution = Institution.objects.get(pk=a_commitment().lead_institution_id)
    institution.name = "Ministerio renombrado"
    institution.save()


def delete_a_commitment():
    Commitment.objects.filter(action_plan__member__slug="chile").order_by("identifier").first().delete()


WRITES = [flip_status, retitle, recase_the_title, flip_starred, complete_a_milestone, rate_an_assessment,
          retitle_the_plan, rename_the_member, rename_an_institution, delete_a_commitment]


@pytest.mark.django_db
def test_every_state_is_served_from_the_cache_when_warm(client, chile, django_assert_max_num_queries):
    fresh = pages(client)
    for url, language in STATES:
        # One query: the data's version (the page itself comes from the cache).
        with django_assert_max_num_queries(1):
            assert get(client, url, language) == fresh[(url, language)]


@pytest.mark.django_db
@pytest.mark.parametrize("write", WRITES, ids=[write.__name__ for write in WRITES])
def test_every_page_served_after_a_write_is_the_page_a_fresh_render_gives(client, chile, write):
    before = pages(client)
    version = versions.data_version()
    write()
    assert versions.data_version() != version  # every write the page shows moves the version
    served = pages(client)
    clear_caches()
    fresh = pages(client)
    for state in STATES:
        assert served[state] == fresh[state], state
    # The write shows on the pages, so a stale one would be seen (a milestone moves only counts
    # these states may not show: "progress disagrees", "overdue").
    assert served != before or write is complete_a_milestone


@pytest.mark.django_db
def test_a_miss_with_the_facets_counted_reads_the_rows_once(client, chile, django_assert_max_num_queries):
    get(client, "/commitments/?member=chile")
    # Another sort: the same facets (cached apart), a page not rendered yet. Versions twice (the
    # page's and the facets'), the member named, the page's rows.
    with django_assert_max_num_queries(4):
        get(client, "/commitments/?member=chile&sort=title")


@pytest.mark.django_db
def test_a_non_canonical_url_redirects_even_when_its_canonical_page_is_cached(client, chile):
    get(client, "/commitments/?member=chile")
    response = client.get("/commitments/?q=&member=chile&sort=identifier")
    assert response.status_code == 302 and response["Location"] == "/commitments/?member=chile"


@pytest.mark.django_db
def test_nothing_per_user_is_kept(client, chile, staff_user):
    anonymous = get(client, "/commitments/")
    client.force_login(staff_user)
    signed_in = get(client, "/commitments/")
    assert "Sign out" in signed_in and "Sign out" not in anonymous
    client.logout()
    assert get(client, "/commitments/") == anonymous


@pytest.mark.django_db
def test_a_page_cached_on_another_day_is_not_served_today(client, chile, monkeypatch):
    """`overdue` is read on the day of the request: its counts change at midnight without a write."""
    today = timezone.localdate()
    milestone = Milestone.objects.filter(commitment=a_commitment()).order_by("pk").first()
    milestone.end_date, milestone.status = today - datetime.timedelta(days=1), "not-started"
    milestone.save()  # overdue today, not twenty years ago
    fresh = get(client, "/commitments/?overdue=true")
    assert "CL0050" in fresh
    clear_caches()
    # Twenty years ago no milestone was overdue yet: that day's page differs, and is now cached.
    monkeypatch.setattr(timezone, "localdate", lambda *args: today - datetime.timedelta(days=7305))
    assert get(client, "/commitments/?overdue=true") != fresh
    monkeypatch.setattr(timezone, "localdate", lambda *args: today)
    assert get(client, "/commitments/?overdue=true") == fresh


@pytest.mark.django_db
def test_each_language_has_its_own_page(client, chile):
    english = get(client, "/commitments/?member=chile", "en")
    spanish = get(client, "/commitments/?member=chile", "es")
    assert 'lang="es"' in spanish and "Compromisos" in spanish and "Compromisos" not in english
    clear_caches()
    assert get(client, "/commitments/?member=chile", "es") == spanish


@pytest.mark.django_db
def test_a_crawl_of_many_pages_culls_pages_never_the_counts(client, chile, settings, tmp_path):
    # File caches as in production, so small that a crawler's pages fill them several times over.
    settings.CACHES = caches_at(FILE_CACHE, str(tmp_path), OPTIONS={"MAX_ENTRIES": 4})
    get(client, "/commitments/")  # the unfiltered state's facets counted and kept
    counts = {path for path in tmp_path.iterdir() if path.is_file()}
    assert counts
    for sort, _label in SORT_CHOICES[1:]:  # every sort of the same state: its counts, other pages
        if sort != "relevance":  # a search's order: without one, the identifier's page (a redirect)
            get(client, f"/commitments/?sort={sort}")
    assert {path for path in tmp_path.iterdir() if path.is_file()} >= counts
    assert 0 < len(list((tmp_path / "pages").iterdir())) <= 4 * 2  # culled down as it filled
    assert caches["pages"]._dir == str(tmp_path / "pages")
