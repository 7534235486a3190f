#!/usr/bin/env bash
# ogptracker side by side with Datasette 0.65.5 (bench/datasette.py), on the bench database.
#   bench/datasette.sh                       # the whole comparison (about 10 minutes)
#   bench/datasette.sh --only list           # only the cases whose label has these words
#   bench/datasette.sh --reload              # export ogptracker's CSV and load the peer again
# DATABASE_URL names the PostgreSQL database holding the 100,000 commitments (bench/run.sh's
# cluster by default: postgres://postgres@127.0.0.1:55432/postgres). The peer's packages
# (bench/requirements.txt) go into their own virtualenv, BENCH_VENV, never into the project's.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BENCH_VENV=${BENCH_VENV:-.bench-venv}
if [ ! -x "$BENCH_VENV/bin/datasette" ]; then
  python3 -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/pip" install -q -r bench/requirements.txt
fi
STATIC_TMP=$(mktemp -d /tmp/ogptracker-bench-static.XXXXXX)
CACHE_TMP=$(mktemp -d /tmp/ogptracker-bench-cache.XXXXXX)
EXPORTS_TMP=$(mktemp -d /tmp/ogptracker-bench-exports.XXXXXX)
trap 'rm -rf "$STATIC_TMP" "$CACHE_TMP" "$EXPORTS_TMP"' EXIT
# The production settings, as gunicorn runs them, with bench-only secrets and a cache of this
# run's own (gunicorn's workers and the process that writes share it, as one machine's would).
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:55432/postgres}
export STATIC_ROOT=$STATIC_TMP CACHE_LOCATION=$CACHE_TMP EXPORT_CACHE_DIR=$EXPORTS_TMP DJANGO_SETTINGS_MODULE=ogptracker.settings.production
export SECRET_KEY=${SECRET_KEY:-bench-only-$(head -c 24 /dev/urandom | base64)}
export ALLOWED_HOSTS=testserver,127.0.0.1
# A full CSV export streams for minutes on a loaded machine: no worker timeout cuts it short.
export GUNICORN_TIMEOUT=${GUNICORN_TIMEOUT:-900}
$PY manage.py collectstatic --noinput -v0
$PY bench/datasette.py --venv "$BENCH_VENV" --json bench/last-peer.json "$@"
