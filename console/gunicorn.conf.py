"""gunicorn settings: the one web server stack of `make demo`, `make serve` and the tests.

    gunicorn -c console/gunicorn.conf.py     (what console/webserver.py runs)

Threaded workers (gthread): one process per core runs Python in parallel despite the GIL, and
threads in each process wait on AWS, the database and slow clients. A streaming download holds
its thread for the whole transfer (a 256 MiB object to a 10 Mbit/s browser: minutes), so the
thread count is also the number of downloads a worker serves at once before other requests
queue. Idle keep-alive connections do not hold a thread in gthread.
"""

import ctypes
import ctypes.util
import os
import signal
import sys

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
# Longer than the idle timeout of a proxy or load balancer in front (AWS ALB: 60 s), so the
# proxy, not gunicorn, closes idle connections; otherwise a request sent on a connection that
# gunicorn is closing fails (measured: 41 connection errors in 200-user runs across two
# instances with 5 s). Idle connections wait in the poller, not in a thread.
keepalive = 75
# Files gunicorn itself creates (worker heartbeat files, a unix socket) are private too.
umask = 0o077
# Errors to stderr; an access log on request: GUNICORN_CMD_ARGS="--access-logfile -".
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl), shared by
# every instance that user runs; nothing here uses it, and instances must not clobber each other's.
control_socket_disable = True
# Keep the process names readable in ps/top.
proc_name = "switchrole-console"
# Run from the project folder whatever the caller's working directory.
chdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def _release_large_allocations() -> None:
    """Each sign-in's Argon2 hash allocates 19 MiB (accounts/hashers.py). glibc raises its mmap
    threshold after the first such block is freed and then serves them from per-thread heaps,
    which keep the memory: with 16 threads a worker grew by ~400 MiB and stayed there. A fixed
    1 MiB threshold gives every large block back to the system when it is freed. (Set here, in
    the master, so that the workers inherit it.)

    Fixing that threshold also fixes glibc's trim threshold at its 128 KiB default: every freed
    socket buffer (gunicorn reads request bodies with recv() of up to 1 MiB) shrank the heap and
    the next one grew it again, page faults and all; reading an upload's body cost 4x the CPU
    (benchmarks/s3.py; 4 MiB was not enough). Each heap may now keep 8 MiB free at its top (large
    blocks still go back), so the heaps are capped at 4 per process (glibc's default is 8 per
    core): 200 simulated users peaked at 541 MiB, against 526 MiB with neither setting and
    587 MiB with the threshold alone (benchmarks/load.py)."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is None or not hasattr(libc, "mallopt"):
        return  # not glibc: its allocator has its own ways
    for parameter, value in ((M_MMAP_THRESHOLD, 1024 * 1024), (M_TRIM_THRESHOLD, 8 * 1024 * 1024), (M_ARENA_MAX, 4)):
        if libc.mallopt(parameter, value) != 1:  # 1: done
            print(f"gunicorn.conf.py: mallopt({parameter}, {value}) was refused", file=sys.stderr)


_release_large_allocations()


def post_fork(server, worker) -> None:
    """A worker never outlives its master. Seen here: the master killed while a worker was stuck
    in its own shutdown left that worker (and the database files it held open) behind for good;
    the kernel now kills a worker when its master dies."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is not None and hasattr(libc, "prctl"):
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != worker.ppid:  # the master died before the line above
            os._exit(1)
