"""ogptracker side by side with its peer, Datasette 0.65.5, on the same 100,000 commitments.

Run through bench/datasette.sh (which sets the environment and the peer's own virtualenv).
Both servers run on 127.0.0.1 and are timed over HTTP, one keep-alive connection each, so both
pay the same HTTP cost: ogptracker under gunicorn (gunicorn.conf.py, production settings, as
bench/loadtest.py starts it), Datasette under its own server (`datasette serve`, uvicorn).

The peer's data is ogptracker's own /commitments/export.csv of the bench database, loaded into
one SQLite table (every column TEXT, as the file is text) with FTS5 over the title, short title
and full text (the triggers sqlite-utils would create keep it current on UPDATE), and an index
on each column its cases filter or sort by, so the peer runs at its best.

Each case is timed in turn, request by request (ogptracker, Datasette, ogptracker, ...), so both
are measured on the same machine at the same moment; the table gives each one's median and p95
and the ratio of the medians. Cases:
  - the list cases of bench/run.py against Datasette's table page (HTML, the same page size, the
    same sort, every list facet with a one-column equivalent as `_facet=`), warm;
  - the same right after a write: ogptracker saves a commitment's status through
    commitments/services.py (a column every facet state counts, so all are counted again),
    Datasette gets the same commitment's "Active Commitment" changed by an UPDATE through
    sqlite3 on its file (0.65 has no write API), then each side's page is requested;
  - one member's commitments as JSON (export.json; the peer's .json?_shape=array&_size=max),
    warm (ogptracker's export kept per data version: commitments/freshness/exports.py) and right
    after a write as above (ogptracker's export then made again from the database);
  - the full CSV export (the peer's .csv?_stream=on) in rows a second, warm and right after a
    write likewise, beside ogptracker's own bare SQL (its export's queries re-run with a raw
    cursor, bench/run.py) and the resident memory growth of an in-process export made afresh.
"""

import argparse
import csv
import datetime
import http.client
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import run  # bench/run.py: Django set up under the production settings, the timing helpers
from django.test import override_settings
from loadtest import HOST, wait_until_up
from run import captured_select_queries, rss_growth_mib, run_bare, summary

from commitments.models import Commitment
from commitments.ogp import columns as oc
from commitments.services import commitment_save
from ogptracker.spreadsheets import neutralise
from reviews.scales import Completion

ROOT = run.ROOT
TABLE = "commitments"
DATABASE = "ogp"  # Datasette names a database after its file: /ogp/commitments
PAGE_SIZE = 25  # the list's page (commitments/views/listing.py)
IDENTIFIER = "Commitment Unique Identifier"
MEMBER = "Country/Locality"
COMPLETION = "Completion (End Of Term)"
STATUS = "Active Commitment"
SEARCHED = ("Commitment Title", "Short Title", "Full Text")
# The list's facets that are one column of the export. Policy areas (90 flag columns) and OGP
# values (4) have none: the peer counts 11 facets where ogptracker counts 15, to its advantage.
FACET_COLUMNS = ("Country/Locality", "Action Plan ID", "Year Of Submission", "Lead Institution",
                 STATUS, "Star - Most Recently Assessed", "Completion (Progress Report)", COMPLETION,
                 "Potential Impact", "Potential for Results", "Did It Open Government (Overall)")
SECURE = {"X-Forwarded-Proto": "https"}  # TLS ends at the proxy, which gunicorn is told of


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """One keep-alive HTTP connection to a server; get() reads the whole body."""

    def __init__(self, port, headers=None):
        self.port, self.headers = port, headers or {}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=300)

    def _response(self, path):
        try:
            self.connection.request("GET", path, headers=self.headers)
            return self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # A connection left idle while the other side streamed a whole export was closed
            # by its server (uvicorn keeps one alive 5 s): open another, as a browser would.
            self.connection.close()
            self.connection.request("GET", path, headers=self.headers)
            return self.connection.getresponse()

    def get(self, path):
        response = self._response(path)
        size = 0
        while piece := response.read(1 << 16):
            size += len(piece)
        if response.status != 200:
            raise SystemExit(f"{path} on port {self.port} answered {response.status}")
        return size

    def download(self, path, target):
        response = self._response(path)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        with open(target, "wb") as out:
            while piece := response.read(1 << 16):
                out.write(piece)


def elapsed_ms(function):
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


# The peer's database ------------------------------------------------------------------------

def load_sqlite(csv_path, db_path):
    """The export as one table, with FTS5 and indexes; returns the number of rows."""
    db_path.unlink(missing_ok=True)
    connection = sqlite3.connect(db_path)
    with open(csv_path, encoding="utf-8-sig", newline="") as source:
        reader = csv.reader(source)
        header = next(reader)
        quoted = [f'"{name}"' for name in header]
        connection.execute(f"CREATE TABLE {TABLE} ({', '.join(f'{q} TEXT' for q in quoted)})")
        connection.executemany(f"INSERT INTO {TABLE} VALUES ({', '.join('?' * len(header))})", reader)
    searched = ", ".join(f'"{name}"' for name in SEARCHED)
    new = ", ".join(f'new."{name}"' for name in SEARCHED)
    old = ", ".join(f'old."{name}"' for name in SEARCHED)
    fts = f"{TABLE}_fts"
    connection.executescript(f"""
        CREATE VIRTUAL TABLE {fts} USING FTS5 ({searched}, content="{TABLE}");
        INSERT INTO {fts} (rowid, {searched}) SELECT rowid, {searched} FROM {TABLE};
        CREATE TRIGGER {TABLE}_ai AFTER INSERT ON {TABLE} BEGIN
          INSERT INTO {fts} (rowid, {searched}) VALUES (new.rowid, {new}); END;
        CREATE TRIGGER {TABLE}_ad AFTER DELETE ON {TABLE} BEGIN
          INSERT INTO {fts} ({fts}, rowid, {searched}) VALUES ('delete', old.rowid, {old}); END;
        CREATE TRIGGER {TABLE}_au AFTER UPDATE ON {TABLE} BEGIN
          INSERT INTO {fts} ({fts}, rowid, {searched}) VALUES ('delete', old.rowid, {old});
          INSERT INTO {fts} (rowid, {searched}) VALUES (new.rowid, {new}); END;
        CREATE UNIQUE INDEX {TABLE}_identifier ON {TABLE} ("{IDENTIFIER}");
        CREATE INDEX {TABLE}_member ON {TABLE} ("{MEMBER}");
        CREATE INDEX {TABLE}_completion ON {TABLE} ("{COMPLETION}");
        CREATE INDEX {TABLE}_member_completion ON {TABLE} ("{MEMBER}", "{COMPLETION}");
        ANALYZE;
    """)
    connection.commit()
    count = connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
    connection.close()
    return count


def start_datasette(venv, db_path, port, log):
    command = [
        str(venv / "bin" / "datasette"), "serve", str(db_path), "--host", HOST, "--port", str(port),
        "--setting", "suggest_facets", "off",
        "--setting", "default_page_size", str(PAGE_SIZE),
        "--setting", "default_facet_size", "10",  # the list shows each filter's 10 most frequent
        # Exact counts and facets, as ogptracker gives: no time limit cuts them short.
        "--setting", "sql_time_limit_ms", "60000",
        "--setting", "facet_time_limit_ms", "60000",
        "--setting", "max_returned_rows", "5000",
    ]
    return subprocess.Popen(command, stderr=log, stdout=log)


def wait_for(port, process, path, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on {port} exited early")
        try:
            Server(port).get(path)
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.3)
    raise SystemExit(f"nothing answered {path} on {port}")


# The cases -----------------------------------------------------------------------------------

def cell(name, value):
    """A model value as the export (and so the peer's table) spells it."""
    return neutralise(oc.COLUMNS[oc.COLUMN_NAMES.index(name)].render(value))


def peer_list(**filters):
    facets = [("_facet", name) for name in FACET_COLUMNS]
    params = [*filters.pop("raw", []), *filters.items(), ("_sort", IDENTIFIER), *facets]
    return f"/{DATABASE}/{TABLE}?{urllib.parse.urlencode(params)}"


def list_cases(member, query):
    name = cell(MEMBER, member.name)
    substantial, complete = cell(COMPLETION, Completion.SUBSTANTIAL), cell(COMPLETION, Completion.COMPLETE)
    return [
        ("list, unfiltered", "/commitments/", peer_list()),
        ("list, member", f"/commitments/?member={member.slug}", peer_list(**{MEMBER: name})),
        ("list, member + completion", f"/commitments/?member={member.slug}&completion=substantial",
         peer_list(**{MEMBER: name, COMPLETION: substantial})),
        ("list, multi-choice completion", "/commitments/?completion=substantial&completion=complete",
         peer_list(raw=[(f"{COMPLETION}__in", f"{substantial},{complete}")])),
        ("list, text search", f"/commitments/?q={urllib.parse.quote_plus(query)}", peer_list(_search=query)),
    ]


class Writes:
    """A write on each side to the same commitment: its status, a column every state counts."""

    def __init__(self, commitment, db_path):
        self.commitment = commitment
        self.sqlite = sqlite3.connect(db_path, isolation_level=None)

    def ogptracker(self):
        commitment = self.commitment
        commitment.refresh_from_db()
        commitment.status = (Commitment.Status.INACTIVE if commitment.status == Commitment.Status.ACTIVE
                             else Commitment.Status.ACTIVE)
        commitment_save(commitment=commitment, user=None, note="bench: a write",
                        expected_version=commitment.version)

    def peer(self):
        status = cell(STATUS, self.commitment.status)
        self.sqlite.execute(f'UPDATE {TABLE} SET "{STATUS}" = ? WHERE "{IDENTIFIER}" = ?',
                            (status, self.commitment.identifier))


def time_in_turn(pairs, repeat):
    """pairs: (ogptracker function, peer function); each timed `repeat` times, in turn."""
    ours, theirs = [], []
    for _ in range(repeat):
        for function, samples in zip(pairs, (ours, theirs), strict=True):
            samples.append(elapsed_ms(function))
    return summary(ours), summary(theirs)


def after_write_in_turn(ogp, peer, ogp_path, peer_path, writes, repeat):
    ours, theirs = [], []
    for _ in range(repeat):
        writes.ogptracker()
        ours.append(elapsed_ms(lambda: ogp.get(ogp_path)))
        writes.peer()
        theirs.append(elapsed_ms(lambda: peer.get(peer_path)))
    return summary(ours), summary(theirs)


def count_json_rows(server, path):
    """The rows a JSON array holds (both sides answer one), to check the cases compare alike."""
    server.connection.request("GET", path, headers=server.headers)
    return len(json.loads(server.connection.getresponse().read()))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="warm requests per side and case")
    parser.add_argument("--write-repeat", type=int, default=5, help="writes then requests per side and case")
    parser.add_argument("--export-repeat", type=int, default=2, help="full CSV exports per side")
    parser.add_argument("--venv", type=Path, default=ROOT / ".bench-venv", help="Datasette's virtualenv")
    parser.add_argument("--data", type=Path, default=Path("/tmp/ogptracker-datasette"),
                        help="where the export and the peer's SQLite file are kept between runs")
    parser.add_argument("--reload", action="store_true", help="export and load again even if present")
    parser.add_argument("--only", action="append", default=[], metavar="WORDS",
                        help="only the cases whose label contains these words (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    wanted = lambda label: not args.only or any(words in label for words in args.only)  # noqa: E731

    member, commitment = run.pick_subjects()
    query = "registro beneficiarios"
    total = Commitment.objects.count()
    args.data.mkdir(parents=True, exist_ok=True)
    csv_path, db_path = args.data / "export.csv", args.data / f"{DATABASE}.db"
    log = open(args.data / "servers.log", "w")  # noqa: SIM115

    ogp_port, peer_port = free_port(), free_port()
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=ROOT,
        env=dict(os.environ, GUNICORN_BIND=f"{HOST}:{ogp_port}"), stderr=log)
    peer_process = None
    results = []
    try:
        wait_until_up(ogp_port, gunicorn)
        ogp = Server(ogp_port, SECURE)
        if args.reload or not db_path.exists():
            print("Exporting ogptracker's CSV and loading it into SQLite ...", flush=True)
            ogp.download("/commitments/export.csv", csv_path)
            print(f"loaded {load_sqlite(csv_path, db_path):,} rows into {db_path}", flush=True)
        peer_process = start_datasette(args.venv, db_path, peer_port, log)
        wait_for(peer_port, peer_process, f"/{DATABASE}/{TABLE}.json?_size=1")
        peer = Server(peer_port)
        writes = Writes(commitment, db_path)

        for label, ogp_path, peer_path in list_cases(member, query):
            if not wanted(label):
                continue
            for _ in range(2):  # warm: templates compiled, facets counted, pages cached
                ogp.get(ogp_path)
                peer.get(peer_path)
            warm = time_in_turn((lambda p=ogp_path: ogp.get(p), lambda p=peer_path: peer.get(p)), args.repeat)
            written = after_write_in_turn(ogp, peer, ogp_path, peer_path, writes, args.write_repeat)
            results.append({"label": label, "ogp_url": ogp_path, "peer_url": peer_path,
                            "warm": warm, "after_write": written})
            print(f"measured {label}", flush=True)

        json_paths = (f"/commitments/export.json?member={member.slug}",
                      f"/{DATABASE}/{TABLE}.json?"
                      + urllib.parse.urlencode({MEMBER: cell(MEMBER, member.name), "_sort": IDENTIFIER,
                                                "_shape": "array", "_size": "max"}))
        label = f"JSON, one member ({member.slug})"
        if wanted(label):
            rows = [count_json_rows(server, path)
                    for server, path in zip((ogp, peer), json_paths, strict=True)]
            if rows[0] != rows[1]:
                raise SystemExit(f"the JSON cases differ: {rows[0]} rows against {rows[1]}")
            # Warm: ogptracker's export kept since the request above (freshness/exports.py); right
            # after a write it is made again from the database.
            warm = time_in_turn((lambda: ogp.get(json_paths[0]), lambda: peer.get(json_paths[1])),
                                args.repeat)
            written = after_write_in_turn(ogp, peer, *json_paths, writes, args.write_repeat)
            results.append({"label": label, "rows": rows[0], "ogp_url": json_paths[0],
                            "peer_url": json_paths[1], "warm": warm, "after_write": written})
            print(f"measured {label}: {json.dumps(results[-1])}", flush=True)

        label = "CSV export, all"
        if wanted(label):
            results.append(measure_csv(ogp, peer, total, args.export_repeat, writes))
            print(f"measured {label}", flush=True)
    finally:
        for process in (gunicorn, peer_process):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)

    meta = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{run._pg_version()}, SQLite {sqlite3.sqlite_version}",
        "commitments": total, "member": member.slug, "commitment": commitment.identifier, "query": query,
        "repeat": args.repeat, "write_repeat": args.write_repeat, "export_repeat": args.export_repeat,
    }
    print(render(meta, results))
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))


def measure_csv(ogp, peer, total, repeat, writes):
    """The full CSV export on both sides, in turn with ogptracker's bare SQL (in this process):
    warm (ogptracker's export kept per data version, freshness/exports.py: one export first, then
    timed) and right after a write (a save through the services on each side, then the export:
    ogptracker makes it again from the database). The bare SQL and the memory are those of an
    export made afresh (no kept file read in this process)."""
    ogp_path, peer_path = "/commitments/export.csv", f"/{DATABASE}/{TABLE}.csv?_stream=on&_size=max"
    client = run.Client()
    with override_settings(EXPORT_CACHE_DIR=""):
        queries = captured_select_queries(client, ogp_path)
        memory = rss_growth_mib(client, ogp_path)
    run_bare(queries)
    ogp.get(ogp_path)  # kept
    peer.get(peer_path)
    samples = {"ogp": [], "peer": [], "bare": [], "ogp_written": [], "peer_written": []}
    warm = {"ogp": lambda: ogp.get(ogp_path), "peer": lambda: peer.get(peer_path),
            "bare": lambda: run_bare(queries)}
    for _ in range(repeat):
        for name, function in warm.items():
            samples[name].append(elapsed_ms(function))
    for _ in range(repeat):
        writes.ogptracker()
        samples["ogp_written"].append(elapsed_ms(lambda: ogp.get(ogp_path)))
        writes.peer()
        samples["peer_written"].append(elapsed_ms(lambda: peer.get(peer_path)))
        samples["bare"].append(elapsed_ms(lambda: run_bare(queries)))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    return {"label": "CSV export, all", "ogp_url": ogp_path, "peer_url": peer_path, "rows": total,
            **{f"{name}_ms": median for name, median in medians.items()}, "queries": len(queries),
            **{f"{name}_rows_per_s": total / medians[name] * 1000
               for name in ("ogp", "peer", "ogp_written", "peer_written")},
            "peak_mib": memory}


def render(meta, results):
    lines = [
        f"{meta['date']}, {meta['machine']}; {meta['commitments']:,} commitments; member "
        f"`{meta['member']}`, written commitment `{meta['commitment']}`, search `{meta['query']}`; "
        f"{meta['repeat']} warm requests and {meta['write_repeat']} writes per side and case, in turn.",
        "",
        "| case | ogptracker median / p95 (ms) | Datasette median / p95 (ms) | ratio | target |",
        "|---|---:|---:|---:|---|",
    ]
    for result in results:
        if "ogp_ms" in result:
            continue
        listing = "list" in result["label"]
        rows = [("warm" if listing else "warm (kept)", result["warm"], 10 if listing else 2)]
        if "after_write" in result:
            rows.append(("right after a write" if listing else "right after a write (made afresh)",
                         result["after_write"], 3 if listing else 2))
        for when, (ours, theirs), target in rows:
            ratio = theirs["median"] / ours["median"]
            lines.append(
                f"| {result['label']}, {when} | {ours['median']:.1f} / {ours['p95']:.1f} | "
                f"{theirs['median']:.1f} / {theirs['p95']:.1f} | {ratio:.1f}x | "
                f"≥ {target}x {'met' if ratio >= target else 'MISSED'} |")
    for result in results:
        if "ogp_ms" not in result:
            continue
        kept = result["ogp_rows_per_s"] / result["peer_rows_per_s"]
        made = result["ogp_written_rows_per_s"] / result["peer_written_rows_per_s"]
        floor = result["ogp_written_ms"] / result["bare_ms"]
        lines += [
            "",
            "| full CSV export | ogptracker | Datasette | ogptracker's bare SQL |",
            "|---|---:|---:|---:|",
            f"| warm, median (s) | {result['ogp_ms'] / 1000:.2f} (kept) | {result['peer_ms'] / 1000:.2f} | "
            f"{result['bare_ms'] / 1000:.2f} ({result['queries']} queries) |",
            f"| warm, rows a second | {result['ogp_rows_per_s']:,.0f} | {result['peer_rows_per_s']:,.0f} | |",
            f"| right after a write, median (s) | {result['ogp_written_ms'] / 1000:.2f} (made afresh) | "
            f"{result['peer_written_ms'] / 1000:.2f} | |",
            f"| right after a write, rows a second | {result['ogp_written_rows_per_s']:,.0f} | "
            f"{result['peer_written_rows_per_s']:,.0f} | |",
            "",
            f"ogptracker {kept:.1f}x the peer's rows a second warm, its export kept"
            f" (target ≥ 2x: {'met' if kept >= 2 else 'MISSED'}); right after a write, made afresh:"
            f" {made:.1f}x the peer's, {floor:.1f}x its bare SQL"
            f" (target ≤ 3x: {'met' if floor <= 3 else 'MISSED'}); resident memory"
            f" growth while making it in-process: {result['peak_mib']:.1f} MiB.",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
