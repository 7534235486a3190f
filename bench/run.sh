#!/usr/bin/env bash
# The benchmark in one command: a throwaway PostgreSQL 15 on 127.0.0.1:55432, 100,000 demo
# commitments (generated once, reused by later runs), then bench/run.py's table.
#   bench/run.sh                 # the page benchmark (in-process, production settings)
#   bench/run.sh --load          # then also bench/loadtest.py: gunicorn + 50 clients for 60 s
#   KEEP_PG=1 bench/run.sh       # leave the cluster running afterwards (default: stop it)
# Must run as root (it starts PostgreSQL as the postgres user with runuser).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
COMMITMENTS=${COMMITMENTS:-100000}

DATABASE_URL=$(bench/pg.sh start)
[ "${KEEP_PG:-0}" = 1 ] || trap 'bench/pg.sh stop' EXIT
STATIC_TMP=$(mktemp -d /tmp/ogptracker-bench-static.XXXXXX)

# The production settings, as gunicorn runs them, with bench-only secrets; TLS would end at
# the reverse proxy, which the load run imitates with X-Forwarded-Proto.
export DATABASE_URL STATIC_ROOT=$STATIC_TMP DJANGO_SETTINGS_MODULE=ogptracker.settings.production
export SECRET_KEY=${SECRET_KEY:-bench-only-$(head -c 24 /dev/urandom | base64)}
export ALLOWED_HOSTS=testserver,127.0.0.1

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
LOAD=0; ARGS=()
for arg in "$@"; do if [ "$arg" = --load ]; then LOAD=1; else ARGS+=("$arg"); fi; done
$PY bench/run.py --commitments "$COMMITMENTS" --json bench/last-run.json "${ARGS[@]}"
if [ "$LOAD" = 1 ]; then
  $PY bench/loadtest.py --json bench/last-load.json
fi
rm -rf "$STATIC_TMP"
