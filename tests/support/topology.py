"""The served topology for tests: nginx in front of gunicorn and the events process, each on a
free port of 127.0.0.1, started by the same code as scripts/serve (server.topology). The same
interface as tests/support/gunicorn.GunicornServer (url, start, stop, log)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import requests

from server.topology import Binds, Topology, free_port


class ServedTopology:
    def __init__(self, env: dict, log_path: Path, *, workers: int = 2, threads: int = 2):
        self.binds = Binds(f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}")
        self.url = f"http://{self.binds.listen}"
        self.events_url = f"http://{self.binds.events}"
        self.log_path = Path(log_path)
        self.env = {**os.environ, **env, "TIPLINE_WORKERS": str(workers), "TIPLINE_THREADS": str(threads)}
        self.topology: Topology | None = None
        self._log = None

    def start(self, timeout: float = 30.0) -> ServedTopology:
        self._log = open(self.log_path, "ab")
        # nginx's folder lives in /tmp: as root its worker runs as nobody, who must reach it
        self.topology = Topology(self.binds, env=self.env, log=self._log).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            gone = self.topology.exited()
            if gone is not None:
                self.stop()
                raise RuntimeError(f"{gone} exited:\n{self.log()}")
            try:
                if (requests.get(self.url + "/api/healthz", timeout=1).status_code == 200
                        and requests.get(self.events_url + "/events/healthz", timeout=1).status_code == 200):
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"the topology did not answer in {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self.topology is not None:
            self.topology.stop()
            shutil.rmtree(self.topology.workdir, ignore_errors=True)
            self.topology = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
