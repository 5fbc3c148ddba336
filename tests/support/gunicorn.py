"""Run the real server (gunicorn with server/gunicorn_conf.py) on 127.0.0.1 for a test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from .pg import free_port

REPO = Path(__file__).resolve().parents[2]


class GunicornServer:
    def __init__(self, env: dict, log_path: Path, *, workers: int = 2, threads: int = 2, port: int | None = None,
                 app: str = "server.wsgi:app", host: str = "127.0.0.1"):
        """``host`` is a loopback address: 127.0.0.1, or [::1] for IPv6 tests."""
        self.port = port or free_port()
        self.app = app
        self.host = host
        self.url = f"http://{host}:{self.port}"
        self.log_path = Path(log_path)
        self.env = {**os.environ, **env, "TIPLINE_BIND": f"{host}:{self.port}",
                    "TIPLINE_WORKERS": str(workers), "TIPLINE_THREADS": str(threads)}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> GunicornServer:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(REPO / "server" / "gunicorn_conf.py"), self.app],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/api/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()
        raise TimeoutError(f"gunicorn did not answer in {timeout}s:\n{self.log()}")

    def _signal(self, sig) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        self._signal(signal.SIGTERM)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, not a shutdown."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
