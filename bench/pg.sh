#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the benchmark, on 127.0.0.1 only, run as the postgres user.
#   bench/pg.sh start   -> initdb (once) into $BENCH_PGDIR and start; prints the DATABASE_URL
#   bench/pg.sh stop    -> stop the cluster (the data stays, so the next run reuses the 100,000 rows)
#   bench/pg.sh destroy -> stop and delete the data directory
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGPORT=${BENCH_PGPORT:-55432}
PGDIR=${BENCH_PGDIR:-/tmp/ogptracker-bench-pg}
DBNAME=${BENCH_DBNAME:-ogptracker_bench}
as_postgres() { runuser -u postgres -- "$@"; }

case "${1:-}" in
  start)
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
      mkdir -p "$PGDIR" && chown postgres "$PGDIR"
      as_postgres "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
      # Settings of a small production server on this 2-core, 24 GB machine; durability is
      # relaxed (fsync off) only because the cluster is thrown away.
      as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -o "-p $PGPORT -k $PGDIR \
        -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c shared_buffers=1GB -c work_mem=32MB -c maintenance_work_mem=512MB -c effective_cache_size=8GB \
        -c random_page_cost=1.1 -c max_connections=120 -c jit=off" start >/dev/null
    fi
    as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='$DBNAME'" | grep -q 1 \
      || as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$DBNAME"
    echo "postgres://postgres@127.0.0.1:$PGPORT/$DBNAME"
    ;;
  stop)
    as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  destroy)
    as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
    ;;
  *)
    echo "usage: $0 start|stop|destroy" >&2
    exit 2
    ;;
esac
