"""The served topology on one machine: nginx in front, gunicorn (the app) and the events
process (the live long polls) behind it, all on 127.0.0.1 (docs/operations.md, "Topology").

    nginx  LISTEN ─┬─ /api/v1/events/, /api/operator/v1/events/ ─▶ tipline-server events  (EVENTS)
                   └─ everything else ───────────────────────────▶ gunicorn server.wsgi:app (APP)

``tipline-server serve`` runs the three and stops them together (scripts/serve uses it, and
tests/support/topology.py runs the same command). nginx uses the same location blocks as a
production install (deploy/nginx/); its error log goes through server.logs.scrub like every
other line the server writes, and it keeps no access log.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .logs import scrub

REPO = Path(__file__).resolve().parents[1]

DEPLOY = REPO / "deploy" / "nginx"
INCLUDES = ("tipline-http.conf", "tipline-server.conf", "tipline-headers.conf", "tipline-locations.conf",
            "tipline-proxy.conf")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is not installed: run scripts/setup --system (Debian package nginx)")
    return found


@dataclass
class Binds:
    listen: str  # host:port, what clients use
    app: str  # gunicorn
    events: str  # the events process

    @classmethod
    def from_env(cls, env=None) -> Binds:
        env = os.environ if env is None else env
        listen = env.get("TIPLINE_BIND") or "127.0.0.1:8000"
        return cls(listen, env.get("TIPLINE_APP_BIND") or f"127.0.0.1:{free_port()}",
                   env.get("TIPLINE_EVENTS_BIND") or f"127.0.0.1:{free_port()}")


def render_nginx(binds: Binds, prefix: Path, *, user: str | None) -> str:
    temps = "\n".join(f"    {name}_temp_path {prefix / name};" for name in TEMP_DIRS)
    return f"""# made by server/topology.py for this run only
{f"user {user};" if user else ""}
worker_processes 1;
worker_rlimit_nofile 16384;
pid {prefix / "nginx.pid"};
# crit, as in production: nginx writes "client: <address>" into warn and error lines (refused bodies, limits)
error_log stderr crit;
daemon off;

events {{
    worker_connections 8192;
}}

http {{
    include tipline-http.conf;
    default_type application/octet-stream;
{temps}
    upstream tipline_app {{
        server {binds.app};
        keepalive 32;
    }}
    upstream tipline_events {{
        server {binds.events};
        keepalive 64;
    }}
    server {{
        listen {binds.listen};
        include tipline-server.conf;
        include tipline-locations.conf;
    }}
}}
"""


def prepare_nginx(binds: Binds, prefix: Path) -> Path:
    """Write nginx.conf and its includes under ``prefix``; returns the conf's path. As root, the
    worker runs as nobody, which must be able to write its temp folders."""
    user = None
    owner = None
    if os.geteuid() == 0:
        user, owner = "nobody nogroup", pwd.getpwnam("nobody")
    for name in TEMP_DIRS:
        (prefix / name).mkdir(mode=0o700, exist_ok=True)
        if owner is not None:
            os.chown(prefix / name, owner.pw_uid, owner.pw_gid)
    if owner is not None:
        os.chmod(prefix, 0o711)  # nobody passes through to its temp folders, reads nothing else
    for name in INCLUDES:
        shutil.copyfile(DEPLOY / name, prefix / name)
    conf = prefix / "nginx.conf"
    conf.write_text(render_nginx(binds, prefix, user=user))
    return conf


def _pump(stream, out) -> None:
    """Copy nginx's error log through the scrubber (its lines name client addresses)."""
    binary = "b" in getattr(out, "mode", "")
    for raw in iter(stream.readline, b""):
        line = scrub(raw.decode("utf-8", "replace"))
        out.write(line.encode("utf-8") if binary else line)
        out.flush()


class Topology:
    def __init__(self, binds: Binds, *, env: dict | None = None, workdir: Path | None = None, log=None):
        self.binds = binds
        self.env = {**(env if env is not None else os.environ), "TIPLINE_BIND": binds.app,
                    "TIPLINE_EVENTS_BIND": binds.events}
        self._own_workdir = workdir is None  # made here: removed by stop()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="tipline-nginx-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log = log or sys.stderr
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> Topology:
        python = sys.executable
        out = dict(stdout=self.log, stderr=subprocess.STDOUT) if hasattr(self.log, "fileno") else {}
        self.procs["app"] = subprocess.Popen(
            [python, "-m", "gunicorn", "-c", str(REPO / "server" / "gunicorn_conf.py"), "server.wsgi:app"],
            cwd=REPO, env=self.env, start_new_session=True, **out)
        self.procs["events"] = subprocess.Popen(
            [python, "-c", "from server.cli import main; main()", "events", "--bind", self.binds.events],
            cwd=REPO, env=self.env, start_new_session=True, **out)
        conf = prepare_nginx(self.binds, self.workdir)
        nginx = subprocess.Popen([nginx_binary(), "-p", str(self.workdir), "-c", str(conf)], cwd=self.workdir,
                                 env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 start_new_session=True)
        self.procs["nginx"] = nginx
        threading.Thread(target=_pump, args=(nginx.stderr, self.log), daemon=True).start()
        return self

    def exited(self) -> str | None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                return name
        return None

    def stop(self, timeout: float = 20) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def run_forever(self) -> int:
        """Until a signal or until one of the three exits; then all three stop."""
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.is_set():
            gone = self.exited()
            if gone is not None:
                print(f"{gone} exited ({self.procs[gone].returncode}): stopping the others", file=sys.stderr)
                break
            stop.wait(0.5)
        self.stop()
        return 0 if stop.is_set() else 1
