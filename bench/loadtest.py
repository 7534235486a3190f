"""Load run: gunicorn + PostgreSQL on 127.0.0.1, 50 concurrent clients for 60 s, a realistic mix.

Not part of CI. bench/run.sh --load runs it after the page benchmark, with the same environment
(production settings, DATABASE_URL of the throwaway cluster). It starts gunicorn itself with
gunicorn.conf.py on a loopback port, sends keep-alive requests from threads (http.client, one
connection per client, as a browser would hold one), and stops gunicorn at the end. Every request
carries X-Forwarded-Proto: https, as the TLS-ending reverse proxy would.
"""

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: nothing else is ever contacted
LANGUAGES = ("en", "es")
SERVER_LOG = Path(tempfile.gettempdir()) / "ogptracker-load-server.log"


def sample_paths():
    """Real identifiers and slugs, read from the pages themselves (the client knows no database)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from commitments.models import Commitment, Member

    # The same sample every run (seeded), so a repeated run meets the same pages.
    sample = random.Random(0)
    identifiers = sample.sample(list(Commitment.objects.values_list("identifier", flat=True)), 500)
    members = sample.sample(sorted(Member.objects.values_list("slug", flat=True)), 100)
    return identifiers, members


SEARCHES = [
    "registro",
    "open+data",
    "budget",
    "parlement",
    "transparencia",
    "beneficial+ownership",
    "justice",
]
COMPLETIONS = ["substantial", "complete", "limited", "not-started"]


def popular_lists(members):
    """The filtered lists of the mix: a few members and searches that visitors share and revisit."""
    return [
        f"/commitments/?member={member}&completion={completion}"
        for member in members[:5]
        for completion in COMPLETIONS[:2]
    ] + [f"/commitments/?q={term}" for term in SEARCHES]


def mix(identifiers, members, lists):
    """One request as a visitor would make it: mostly commitment pages and lists."""
    r = random.random()
    if r < 0.30:
        return f"/commitments/{random.choice(identifiers)}/"
    if r < 0.45:
        return f"/commitments/?page={random.randint(1, 200)}"
    if r < 0.72:
        return random.choice(lists)
    if r < 0.85:
        return f"/members/{random.choice(members)}/"
    if r < 0.90:
        return "/"
    return "/healthz"


def warm_up(port, paths):
    """Request each list state once before the clock starts: the facet counts get cached."""
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    # Per language too: the facet labels are translated, so each language is counted apart.
    for language in LANGUAGES:
        for path in ["/commitments/", *paths]:
            headers = {"Host": HOST, "X-Forwarded-Proto": "https", "Accept-Language": language}
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
    connection.close()


def client(port, deadline, paths, results, lock, reconnect=False):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies, errors, statuses = [], 0, {}
    while time.monotonic() < deadline:
        path = paths()
        started = time.perf_counter()
        if reconnect:
            connection.close()  # the next request opens a new connection, as a proxy would
        try:
            connection.request(
                "GET",
                path,
                headers={
                    "Host": HOST,
                    "X-Forwarded-Proto": "https",
                    "Accept-Language": random.choice(LANGUAGES),
                },
            )
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = "exception"
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status == "exception" or status >= 400:
            errors += 1
    connection.close()
    with lock:
        results["per_client"].append(len(latencies))
        results["latencies"].extend(latencies)
        results["errors"] += errors
        for status, count in statuses.items():
            results["statuses"][str(status)] = results["statuses"].get(str(status), 0) + count


def wait_until_up(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--reconnect", action="store_true",
        help="a new connection per request, as nginx proxies by default (HTTP/1.0 upstream); "
        "otherwise each client keeps one connection, as a browser would")
    args = parser.parse_args()
    if args.clients > 200 or args.seconds > 600:
        raise SystemExit("bounded: at most 200 clients for 600 s")

    identifiers, members = sample_paths()
    env = dict(os.environ, GUNICORN_BIND=f"{HOST}:{args.port}")
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        # The server's own log: one line per request with its duration, to see which pages are slow.
        stderr=open(SERVER_LOG, "w"),  # noqa: SIM115
    )
    try:
        wait_until_up(args.port, gunicorn)
        lists = popular_lists(members)
        warm_up(args.port, lists)
        results, lock = {"latencies": [], "errors": 0, "statuses": {}, "per_client": []}, threading.Lock()
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(
                target=client,
                args=(args.port, deadline, lambda: mix(identifiers, members, lists), results, lock,
                      args.reconnect),
            )
            for _ in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=60)

    latencies = sorted(results["latencies"])
    quantile = lambda q: latencies[min(len(latencies) - 1, round(q * (len(latencies) - 1)))]  # noqa: E731
    summary = {
        "clients": args.clients,
        "connections": "one per request" if args.reconnect else "one per client (keep-alive)",
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "errors": results["errors"],
        "statuses": results["statuses"],
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(quantile(0.95), 1),
        "p99_ms": round(quantile(0.99), 1),
        "max_ms": round(latencies[-1], 1),
        # Requests each client completed: an even spread means the server shared itself fairly.
        "requests_per_client": {"min": min(results["per_client"]),
                                "median": statistics.median(results["per_client"]),
                                "max": max(results["per_client"])},
    }
    print(json.dumps(summary, indent=2))
    print(f"The server's request log: {SERVER_LOG}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    if summary["errors"]:
        raise SystemExit(f"{summary['errors']} errors")


if __name__ == "__main__":
    main()
