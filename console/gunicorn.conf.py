"""gunicorn settings: the one web server stack of `make demo`, `make serve` and the tests.

    gunicorn -c console/gunicorn.conf.py     (what console/webserver.py runs)

Threaded workers (gthread): one process per core runs Python in parallel despite the GIL, and
threads in each process wait on AWS, the database and slow clients. A streaming download holds
its thread for the whole transfer (a 256 MiB object to a 10 Mbit/s browser: minutes), so the
thread count is also the number of downloads a worker serves at once before other requests
queue. Idle keep-alive connections do not hold a thread in gthread.
"""

import os

wsgi_app = "console.wsgi:application"

# Loopback unless HOST says otherwise (put a TLS proxy in front). Set explicitly: gunicorn's own
# default turns a PORT variable into 0.0.0.0:PORT.
bind = [f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"]
worker_class = "gthread"
# One worker per core (at least two, so one stuck worker never stops the service).
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, len(os.sched_getaffinity(0))))
# 16 threads a worker: 32 concurrent requests (or downloads) on a 2-core machine. Each thread
# may keep one database connection (CONN_MAX_AGE): keep instances x WEB_CONCURRENCY x
# WEB_THREADS below PostgreSQL's max_connections (100 by default).
threads = int(os.environ.get("WEB_THREADS") or 16)
# gthread workers heartbeat from their main loop, so long downloads are not killed by this;
# it only catches a worker whose main loop is stuck.
timeout = 60
graceful_timeout = 20
keepalive = 5
# Files gunicorn itself creates (worker heartbeat files, a unix socket) are private too.
umask = 0o077
# Errors to stderr; an access log on request: GUNICORN_CMD_ARGS="--access-logfile -".
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Keep the process names readable in ps/top.
proc_name = "switchrole-console"
# Run from the project folder whatever the caller's working directory.
chdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
