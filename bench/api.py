"""Benchmark the read API (/api/v1/commitments/) at 100,000 commitments against its own bare SQL.

As bench/run.py does for the pages (and with its helpers): each request in-process with Django's
test Client under the production settings, warm, the API, the very queries it ran (re-run with a
raw cursor, fully fetched) and /healthz timed in turn, request by request; medians and p95 over
--repeat requests. Cases: a page of 50 with facets off; the same with five facets (their counts
cached, as after the first request of a state; and counted afresh, right after a write); one
member's ~300 commitments (a page of 100, and the whole walk with a cursor); the list page
/commitments/ beside them for its targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/hb_bench SECRET_KEY=bench ALLOWED_HOSTS=testserver \\
        CACHE_LOCATION=$(mktemp -d) .venv/bin/python bench/api.py
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as pages  # noqa: E402  (bench/run.py: sets Django up with the production settings)
from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from commitments.models import Commitment, Member  # noqa: E402
from commitments.services import commitment_save  # noqa: E402

FACETS = "member,completion,status,value,policy_area"


def member_of_about(size):
    """The member whose number of commitments is nearest `size`."""
    members = Member.objects.annotate(n=Count("action_plans__commitments")).values_list("slug", "n")
    return min(members, key=lambda row: (abs(row[1] - size), row[0]))


def walk(client, url):
    """Every page of a cursor walk, from ?cursor= to the last `next`."""
    rows = 0
    while url:
        response, _size = pages.fetch(client, url)
        body = json.loads(response.content)
        rows += len(body["results"])
        url = body["next"]
    return rows


def case(client, label, url, repeat):
    pages.fetch(client, url)  # warm: the facets' counts cached, the plans read once
    queries = pages.captured_select_queries(client, url)
    api, bare, healthz = (pages.summary(samples) for samples in pages.interleaved(
        [lambda: pages.fetch(client, url), lambda: pages.run_bare(queries),
         lambda: pages.fetch(client, "/healthz")], repeat))
    return {"label": label, "url": url, "queries": len(queries), "api": api, "bare": bare, "healthz": healthz,
            "ratio": api["median"] / (bare["median"] + healthz["median"])}


def after_writes(client, url, repeat):
    """The API right after a status save (every state's counts are stale: counted afresh)."""
    commitment = Commitment.objects.order_by("identifier").first()
    samples = []
    for _ in range(repeat):
        commitment.refresh_from_db()
        commitment.status = "inactive" if commitment.status == "active" else "active"
        commitment_save(commitment=commitment, user=None, note="bench: a write",
                        expected_version=commitment.version)
        started = time.perf_counter()
        pages.fetch(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    return pages.summary(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    client = Client()
    slug, size = member_of_about(300)
    total = Commitment.objects.count()
    results = [
        case(client, "API page of 50, facets off", "/api/v1/commitments/?page_size=50", args.repeat),
        case(client, "API page of 50, five facets (cached)",
             f"/api/v1/commitments/?page_size=50&facets={FACETS}", args.repeat),
        case(client, "list page /commitments/ (25 rows, facets)", "/commitments/", args.repeat),
        case(client, f"API one member ({slug}, {size}): page of 100", f"/api/v1/commitments/?member={slug}"
             "&page_size=100", args.repeat),
        case(client, f"API one member ({slug}, {size}): page of 100, five facets",
             f"/api/v1/commitments/?member={slug}&page_size=100&facets={FACETS}", args.repeat),
        case(client, "API one commitment (detail)",
             f"/api/v1/commitments/{Commitment.objects.filter(action_plan__member__slug=slug).first().identifier}/",
             args.repeat),
    ]
    walk_url = f"/api/v1/commitments/?member={slug}&page_size=100&cursor="
    walk_samples = pages.timed(lambda: walk(client, walk_url), max(5, args.repeat // 3))
    fresh = after_writes(client, f"/api/v1/commitments/?page_size=50&facets={FACETS}",
                         max(5, args.repeat // 3))
    print(f"{total:,} commitments; PostgreSQL; medians (p95) over {args.repeat} warm requests, in-process")
    print(f"{'case':58} {'API ms':>15} {'bare SQL':>9} {'healthz':>8} {'ratio':>6} {'queries':>7}")
    for row in results:
        print(f"{row['label']:58} {row['api']['median']:7.1f} ({row['api']['p95']:5.1f}) "
              f"{row['bare']['median']:9.1f} {row['healthz']['median']:8.1f} {row['ratio']:6.2f} "
              f"{row['queries']:7}")
    walked = pages.summary(walk_samples)
    print(f"{'API one member: every row, cursor walk of ' + str(size):58} {walked['median']:7.1f} "
          f"({walked['p95']:5.1f})")
    print(f"{'API page of 50, five facets, right after a status save':58} {fresh['median']:7.1f} "
          f"({fresh['p95']:5.1f})")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "walk": walked, "after_write": fresh,
                                         "commitments": total}, indent=2))


if __name__ == "__main__":
    # The anonymous limit (60 a minute) would throttle the run: the throttle's work is still done.
    unlimited = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute"}}
    with override_settings(REST_FRAMEWORK=unlimited):
        main()
