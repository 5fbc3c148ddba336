"""The real WSGI app (server.wsgi:app), plus a watchdog so a benchmark server never outlives its run.

The ingest benchmark starts gunicorn with server/gunicorn_conf.py and this module as the app.
Each worker runs one daemon thread that wakes once a second; when the benchmark process
(TIPLINE_BENCH_OWNER) is gone, or the deadline (TIPLINE_BENCH_DEADLINE, a Unix time) has
passed, it asks the gunicorn master for a graceful shutdown (SIGTERM). Normally the
benchmark stops the server itself and the watchdog never fires; it is there for a
benchmark killed with SIGKILL. It costs one wake-up per second per worker.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from server.wsgi import app  # noqa: F401  (what gunicorn serves)


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(owner: int, deadline: float, master: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != master:
            return  # the master is gone; gunicorn's worker notices that by itself and exits
        if not _owner_alive(owner) or time.time() > deadline:
            os.kill(master, signal.SIGTERM)
            return


def _start() -> None:
    owner = int(os.environ.get("TIPLINE_BENCH_OWNER", "0"))
    deadline = float(os.environ.get("TIPLINE_BENCH_DEADLINE", "0"))
    if owner <= 0 or deadline <= 0:
        return
    master = os.getppid()  # gunicorn loads the app in each worker (no preload): the parent is the master
    if master <= 1 or master == owner:
        return  # not inside a gunicorn worker (e.g. loaded by the master or directly): nothing to watch
    threading.Thread(target=_watch, args=(owner, deadline, master), name="bench-watchdog", daemon=True).start()


_start()
