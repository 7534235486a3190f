"""Benchmark the public pages at 100,000 commitments against their own bare SQL and the admin.

Run through bench/run.sh (which starts the throwaway PostgreSQL and sets the environment):
each page is requested in-process with Django's test Client under the production settings
(whitenoise, CSP, request log, no DEBUG), so the figures are the application's own time without
network or HTTP parsing. Beside each page:
  - bare SQL: the very queries the page ran (captured with CaptureQueriesContext), re-run with a
    raw cursor and fully fetched: the floor no Python code can go under;
  - admin: Django's admin changelist (or change form) for the same rows: the built-in alternative;
  - /healthz: the fixed cost of a minimal response through the whole middleware stack.
The page, its bare SQL and /healthz are timed in turn, request by request (see interleaved), and
each ratio uses the /healthz samples taken beside that page's.
"""

import argparse
import datetime
import io
import json
import logging
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ogptracker.settings.production")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from commitments.models import Commitment, Member  # noqa: E402

# The request log is part of the measured work, but its lines would bury the table.
for handler in logging.getLogger("ogptracker.request").handlers:
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115


def timed(function, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def interleaved(functions, repeat):
    """Time each function `repeat` times, in turn (a, b, c, a, b, c, ...): samples per function.

    The page, its bare SQL and /healthz are compared with each other, so they are measured side
    by side: on a shared machine whose speed drifts from one second to the next, measuring them
    one block after another would compare different machines.
    """
    samples = [[] for _ in functions]
    for _ in range(repeat):
        for function, times in zip(functions, samples, strict=True):
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95}


def fetch(client, url, secure=True):
    """GET the URL and read the whole body, streamed or not, as a browser would."""
    response = client.get(url, secure=secure)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    if response.streaming:
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    return response, size


# A server-side cursor (QuerySet.iterator() on PostgreSQL) is logged as its DECLARE statement.
DECLARE_CURSOR = re.compile(r'^DECLARE "[^"]+" .*?CURSOR (?:WITH(?:OUT)? HOLD )?FOR ', re.DOTALL)


def captured_select_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        fetch(client, url)
    queries = [DECLARE_CURSOR.sub("", q["sql"]) for q in context.captured_queries]
    # Savepoints and the session read of the middleware are not the page's own work.
    return [
        sql
        for sql in queries
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and "django_session" not in sql
    ]


def run_bare(queries):
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            cursor.fetchall()


def _status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_growth_mib(client, url):
    """How far the process's resident memory peaks above where it was, while streaming the URL."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # resets the peak (VmHWM) to the current size
    before = _status_kib("VmRSS")
    fetch(client, url)
    return (_status_kib("VmHWM") - before) / 1024


def ensure_data(total):
    present = Commitment.objects.count()
    if present < total:
        print(f"Generating {total - present:,} commitments (present: {present:,}) ...", flush=True)
        call_command("generate_demo_data", commitments=total - present, seed=present)
    with connection.cursor() as cursor:
        # VACUUM as autovacuum would have by now: it marks the pages all-visible, which lets the
        # facet counts read their covering index alone (commitments/facets.py).
        cursor.execute("VACUUM ANALYZE")
    return Commitment.objects.count()


def pick_subjects():
    """A large national member and two of its commitments with milestones: the one the writes
    save, and the one whose page is timed ("detail"), never written, so that its timeline, which
    shows every change, does not grow with each run."""
    member = (
        Member.objects.filter(kind=Member.Kind.NATIONAL, code__startswith="X")
        .annotate(n=Count("action_plans__commitments"))
        .order_by("-n", "slug")
        .first()
    )
    written, shown = (
        Commitment.objects.filter(action_plan__member=member)
        .annotate(m=Count("milestones"))
        .filter(m__gte=5)
        .order_by("identifier")[:2]
    )
    return member, written, shown


def _bench_admin():
    return get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True})[0]


def after_writes(client, url, commitment, repeat, change="title"):
    """The page's times, each right after a save of `commitment` through the services: of its
    title (text only: the counts of states without a search stay cached), of its status (a
    column every state counts: all of them are counted again) or of its first milestone's status
    (the staff page's most common save: the facets reading milestones are counted again)."""
    from commitments.services import MilestoneChange, commitment_save, commitment_update

    samples = []
    for _ in range(repeat):
        commitment.refresh_from_db()
        if change == "milestone":
            # As the staff page saves one: through commitment_update, by a superuser.
            milestone = commitment.milestones.order_by("order").first()
            status = "limited" if milestone.status != "limited" else "substantial"
            commitment_update(commitment=commitment, user=_bench_admin(), data={}, note="",
                              expected_version=commitment.version,
                              milestones=[MilestoneChange(milestone, {"status": status}, "bench: a write")])
            started = time.perf_counter()
            fetch(client, url)
            samples.append((time.perf_counter() - started) * 1000)
            continue
        if change == "status":
            commitment.status = "inactive" if commitment.status == "active" else "active"
        else:
            commitment.title = commitment.title.removesuffix(" ·") if commitment.title.endswith(" ·") else (
                commitment.title + " ·")
        commitment_save(commitment=commitment, user=None, note="bench: a write",
                        expected_version=commitment.version)
        started = time.perf_counter()
        fetch(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main():
    # Pages are timed here against their own bare SQL: the CSV export made afresh each time, as
    # right after a write (a kept file, commitments/freshness/exports.py, would be timed against
    # its one query); bench/datasette.py times the kept export and the one made afresh.
    settings.EXPORT_CACHE_DIR = ""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commitments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--export-repeat", type=int, default=5, help="timed full CSV exports")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--only", action="append", default=[], metavar="WORDS",
                        help="measure only the pages whose label contains these words (repeatable)")
    args = parser.parse_args()

    total = ensure_data(args.commitments)
    member, commitment, shown = pick_subjects()
    query = "registro beneficiarios"
    public = Client()
    admin = Client()
    admin.force_login(_bench_admin())

    changelist = "/admin/commitments/commitment/"
    rows = [
        ("list, unfiltered", "/commitments/", changelist, "list"),
        (
            "list, member + completion",
            f"/commitments/?member={member.slug}&completion=substantial",
            f"{changelist}?action_plan__member__id__exact={member.pk}&end_of_term_completion=substantial",
            "list",
        ),
        ("list, member", f"/commitments/?member={member.slug}", None, "list"),
        ("list, multi-choice completion", "/commitments/?completion=substantial&completion=complete", None,
         "list"),
        ("facet page, member", "/commitments/facets/member/", None, "list"),
        ("facet page, lead institution, completion",
         "/commitments/facets/lead_institution/?completion=complete", None, "list"),
        (
            "list, text search",
            f"/commitments/?q={query.replace(' ', '+')}",
            f"{changelist}?q={query.replace(' ', '+')}",
            "list",
        ),
        (
            "detail",
            f"/commitments/{shown.identifier}/",
            f"{changelist}{shown.pk}/change/",
            "detail",
        ),
        (
            "member page",
            f"/members/{member.slug}/",
            f"{changelist}?action_plan__member__id__exact={member.pk}",
            "page",
        ),
        ("member report", f"/members/{member.slug}/report/", None, "page"),
        ("member list", "/members/", None, "page"),
        ("home", "/", None, "page"),
        ("CSV export, all", "/commitments/export.csv", None, "export"),
    ]

    fixed = summary(timed(lambda: fetch(public, "/healthz"), args.repeat * 3))
    results = []
    if args.only:
        rows = [row for row in rows if any(words in row[0] for words in args.only)]
    for label, url, admin_url, kind in rows:
        repeat = args.export_repeat if kind == "export" else args.repeat
        try:
            # Warm caches: the first request of a page compiles its templates.
            for _ in range(1 if kind == "export" else 2):
                response, size = fetch(public, url)
        except SystemExit as error:
            print(f"skipped {label}: {error}", flush=True)
            continue
        # The facet counts are cached per filter state: the first request after a change pays them.
        cold = None
        if kind == "list":
            for each in caches.all():  # the counts and the pages (settings caches_at)
                each.clear()
            cold = timed(lambda url=url: fetch(public, url), 1)[0]
            fetch(public, url)
        # Right after a write: a save through the services, then the page (its counts recounted).
        after_write = (summary(after_writes(public, url, commitment, max(5, repeat // 3)))
                       if kind == "list" else None)
        after_counted_write = (summary(after_writes(public, url, commitment, max(5, repeat // 3), "status"))
                               if kind == "list" else None)
        after_milestone_write = (
            summary(after_writes(public, url, commitment, max(5, repeat // 3), "milestone"))
            if kind == "list" else None)
        memory = rss_growth_mib(public, url) if kind == "export" else None
        queries = captured_select_queries(public, url)
        run_bare(queries)
        page, bare, healthz = (summary(samples) for samples in interleaved(
            [lambda url=url: fetch(public, url), lambda queries=queries: run_bare(queries),
             lambda: fetch(public, "/healthz")], repeat))
        admin_time = None
        if admin_url:
            fetch(admin, admin_url)
            admin_time = summary(
                timed(lambda admin_url=admin_url: fetch(admin, admin_url), max(5, repeat // 3))
            )
        results.append(
            {
                "label": label,
                "url": url,
                "kind": kind,
                "bytes": size,
                "queries": len(queries),
                "page": page,
                "bare": bare,
                "healthz": healthz,
                "admin": admin_time,
                "admin_url": admin_url,
                "peak_mib": memory,
                "cold_ms": cold,
                "after_write": after_write,
                "after_counted_write": after_counted_write,
                "after_milestone_write": after_milestone_write,
            }
        )
        print(f"measured {label}", flush=True)

    meta = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {_pg_version()}",
        "commitments": total,
        "member": member.slug,
        "commitment": commitment.identifier,
        "detail_commitment": shown.identifier,
        "query": query,
        "healthz": fixed,
        "repeat": args.repeat,
        "export_repeat": args.export_repeat,
    }
    table = render(meta, results)
    print(table)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))


def _pg_version():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def render(meta, results):
    fixed = meta["healthz"]["median"]
    out = io.StringIO()
    out.write(
        f"{meta['commitments']:,} commitments; {meta['date']}; {meta['machine']}; in-process Django test "
        f"Client, production settings; medians of {meta['repeat']} requests "
        f"(CSV: {meta['export_repeat']}), each page timed in turn with its bare SQL and /healthz, "
        f"whose samples taken beside it give its ratio.\n\n"
    )
    out.write(
        "| page | queries | median ms | p95 ms | bare SQL median ms | page / bare | "
        "page / (bare + healthz) | admin median ms | admin / page | target |\n"
    )
    out.write("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
    for row in results:
        page, bare = row["page"]["median"], row["bare"]["median"]
        admin = row["admin"]["median"] if row["admin"] else None
        out.write(
            f"| {row['label']} | {row['queries']} | {page:.1f} | {row['page']['p95']:.1f} | {bare:.1f} | "
            f"{page / bare:.1f}x | {page / (bare + row['healthz']['median']):.1f}x | "
            f"{f'{admin:.1f}' if admin else '—'} | {f'{admin / page:.1f}x' if admin else '—'} | "
            f"{verdict(row)} |\n"
        )
    out.write(f"| /healthz (fixed cost) | 1 | {fixed:.2f} | {meta['healthz']['p95']:.2f} | | | | | | |\n")
    for key, what in (("after_write", "a save of a title through the services"),
                      ("after_counted_write", "a save of a status through the services"),
                      ("after_milestone_write", "a save of a milestone's status through the services")):
        writes = [f"{row['label']} median {row[key]['median']:.0f} ms, p95 {row[key]['p95']:.0f} ms "
                  f"({'met' if row[key]['p95'] < 300 else 'MISSED'} <300 ms p95)"
                  for row in results if row.get(key)]
        if writes:
            out.write(f"\nRight after a write ({what}, then the page): " + "; ".join(writes) + ".\n")
    colds = [f"{row['label']} {row['cold_ms'] / 1000:.1f} s" for row in results if row.get("cold_ms")]
    if colds:
        out.write(
            "\nFirst request after a data change (facet counts recomputed, not cached): "
            + "; ".join(colds)
            + ".\n"
        )
    for row in results:
        if row["peak_mib"] is not None:
            out.write(
                f"\n{row['label']}: {row['bytes'] / 2**20:.0f} MiB streamed; the process's resident memory "
                f"peaked {row['peak_mib']:.1f} MiB above its size before the export.\n"
            )
    return out.getvalue()


def verdict(row):
    page, bare = row["page"]["median"], row["bare"]["median"]
    if row["kind"] == "list":
        ok = page < 50
        return ("met" if ok else "MISSED") + " (<50 ms median warm; issue 13.7)"
    if row["kind"] == "detail":
        return ("met" if page < 30 else "MISSED") + " (<30 ms)"
    if row["kind"] == "export":
        return ("met" if page <= 4 * bare else "MISSED") + " (<=4x bare)"
    return ""


if __name__ == "__main__":
    main()
