"""A running gunicorn server with desk-made keys, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from envelope.bundle import parse_root_key_document
from tests.conftest import ORIGIN
from tests.support.desk import server_cli
from tests.support.gunicorn import GunicornServer
from tests.support.pow import TEST_MAX_NUMBER

OPERATOR, OPERATOR_PASSWORD = "agent.dupont", "operator password for tests"
CITIZEN_ADDRESS = "127.0.0.7"  # the phone connects from here, so its address is recognisable in any log
CITIZEN_AGENT = "CANARY-USER-AGENT/1.0 (Android 14; Pixel)"


class FromAddress(HTTPAdapter):
    def __init__(self, address: str, **kw):
        self.address = address
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def citizen_http() -> requests.Session:
    s = requests.Session()
    s.mount("http://", FromAddress(CITIZEN_ADDRESS))
    s.headers["User-Agent"] = CITIZEN_AGENT
    s.headers["Cookie"] = "tracking=CANARY-COOKIE"
    return s


@dataclass
class Deployment:
    root: Path
    env: dict
    server: GunicornServer
    desk_home: Path
    db_kind: str
    pg_name: str | None
    root_public: bytes

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def deployment(request, db_kind, tmp_path, desk_keys):
    home_template, keys = desk_keys
    home = tmp_path / "desk-home"
    shutil.copytree(home_template, home)
    env = {"TIPLINE_DATA_DIR": str(tmp_path / "data"), "TIPLINE_KEYS_DIR": str(keys), "TIPLINE_ORIGIN": ORIGIN,
           "TIPLINE_POW_MAX_NUMBER": str(TEST_MAX_NUMBER),
           "TIPLINE_REQUIRE_TOTP": "0"}  # the desk logs in with a password here
    pg_name = None
    if db_kind == "postgresql":
        url, pg_name = request.getfixturevalue("fresh_pg_database")
        env["DATABASE_URL"] = url
    server_cli(env, "db", "upgrade")
    server_cli(env, "create-operator", OPERATOR, "--password-stdin", stdin=OPERATOR_PASSWORD + "\n")
    server = GunicornServer(env, tmp_path / "server.log").start()
    dep = Deployment(tmp_path, env, server, home, db_kind, pg_name,
                     parse_root_key_document((keys / "root-key.json").read_text()))
    yield dep
    server.stop()


def scan(paths: list[Path], needles: list[bytes]) -> list[tuple[str, bytes]]:
    """Every (file, needle) where a needle occurs in a file under ``paths``."""
    found = []
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            data = path.read_bytes()
            found += [(str(path), n) for n in needles if n in data]
    return found


def random_bytes(n: int) -> bytes:
    return os.urandom(n)
