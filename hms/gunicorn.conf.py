"""Gunicorn (process manager) with Uvicorn workers (ASGI: HTTP and websockets) — how HMS runs in production.

    gunicorn -c hms/gunicorn.conf.py hms.asgi:application

Each worker is one process with its own database pool (DATABASE_POOL_MAX_SIZE connections at most), so
PostgreSQL needs max_connections >= workers x DATABASE_POOL_MAX_SIZE (+ Celery and admin connections).
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # about one per core
worker_class = "uvicorn_worker.UvicornWorker"
# SIGTERM: stop accepting, finish requests in flight for up to graceful_timeout, then exit.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
timeout = 60
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
