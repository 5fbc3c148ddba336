"""Shared fixtures: a real PostgreSQL server, migrated template databases, session test keys,
and the app on SQLite and on PostgreSQL (every API test runs on both)."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from nacl.bindings import crypto_scalarmult_base
from nacl.signing import SigningKey

from envelope import bundle as kb
from envelope.open import Identity
from server.app import create_app
from server.config import Settings
from server.migrations import runner
from tests.support.desk import make_keys
from tests.support.pg import LocalPostgres
from tests.support.pow import TEST_MAX_NUMBER

ORIGIN = "https://signalement.test"
REPO = Path(__file__).resolve().parents[1]


@dataclass
class SessionKeys:
    """Keys made for this test session, in memory and in a temp dir only."""

    dir: Path
    root_seed: bytes
    root_public: bytes
    identities: list[Identity]
    origin: str = ORIGIN

    @property
    def public_keys(self) -> list[bytes]:
        return [i.public_key for i in self.identities]

    def write_bundle(self, directory: Path, *, sequence: int = 1, origin: str = ORIGIN, days: int = 30,
                     seed: bytes | None = None, issued: datetime | None = None) -> Path:
        issued = issued or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
        payload = kb.make_payload(origin=origin, sequence=sequence, issued=issued,
                                  expires=issued + timedelta(days=days),
                                  recipients=[(self.public_keys[0], "primary"), (self.public_keys[1], "backup")])
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "bundle.json").write_text(json.dumps(kb.sign_bundle(payload, seed or self.root_seed)))
        (directory / "root-key.json").write_text(json.dumps(kb.root_key_document(self.root_public)))
        return directory


@pytest.fixture(scope="session")
def test_keys(tmp_path_factory) -> SessionKeys:
    root_seed = os.urandom(32)
    keys = SessionKeys(tmp_path_factory.mktemp("keys"), root_seed, bytes(SigningKey(root_seed).verify_key),
                    [Identity(os.urandom(32)), Identity(os.urandom(32))])
    keys.write_bundle(keys.dir)
    assert crypto_scalarmult_base(keys.identities[0].secret_key) == keys.public_keys[0]
    return keys


# --- databases -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres():
    pg = LocalPostgres().start()
    yield pg
    pg.stop()


def _admin(pg: LocalPostgres):
    return psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres", autocommit=True)


@pytest.fixture(scope="session")
def pg_template(postgres) -> str:
    with _admin(postgres) as conn:
        conn.execute("CREATE DATABASE tipline_template")
    runner.upgrade(postgres.database_url("tipline_template"))
    return "tipline_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    runner.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def fresh_pg_database(request):
    """A new, migrated PostgreSQL database for one test; dropped afterwards."""
    pg = request.getfixturevalue("postgres")
    template = request.getfixturevalue("pg_template")
    name = "t_" + uuid.uuid4().hex[:12]
    with _admin(pg) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield pg.database_url(name), name
    with _admin(pg) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_kind(request) -> str:
    return request.param


@pytest.fixture
def database_url(request, db_kind, tmp_path) -> str:
    if db_kind == "sqlite":
        path = tmp_path / "tipline.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url, _ = request.getfixturevalue("fresh_pg_database")
    return url


# --- the app ----------------------------------------------------------------------------------
@pytest.fixture
def settings_overrides() -> dict:
    """Override in a test module to change limits."""
    return {}


@pytest.fixture
def settings(database_url, tmp_path, test_keys, settings_overrides) -> Settings:
    # Operators log in with a password alone here; tests/server/test_operator_login.py requires
    # the second factor, as production does by default.
    overrides = {"require_totp": 0, "pow_max_number": TEST_MAX_NUMBER, **settings_overrides}
    return Settings.from_env(env={}, database_url=database_url, blob_dir=tmp_path / "blobs", keys_dir=test_keys.dir,
                             pwa_dir=REPO / "pwa", origin=ORIGIN, **overrides)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["tipline"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


# --- keys made with the desk, as operators do --------------------------------------------------
@pytest.fixture(scope="session")
def desk_keys(tmp_path_factory):
    """Desk home with root and encryption keys, and the keys/ folder it signed (made once)."""
    base = tmp_path_factory.mktemp("desk")
    home, keys = base / "desk-home", base / "keys"
    make_keys(home, keys, ORIGIN)
    return home, keys
