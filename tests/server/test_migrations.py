"""Alembic: every revision applies to an empty database and carries data forward; the
models and the migrations agree; the app refuses an unmigrated database."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from server.app import create_app
from server.config import Settings
from server.db import make_engine
from server.migrations import runner
from server.migrations.runner import SchemaNotCurrent
from server.models import Base


@pytest.fixture
def empty_url(request, db_kind, tmp_path):
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    import psycopg

    pg = request.getfixturevalue("postgres")
    name = "m_" + tmp_path.name[-12:].replace("-", "_").lower()
    with psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    yield pg.database_url(name)
    with psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_0001_initial_schema_with_data(empty_url):
    runner.upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT value FROM counters WHERE name = 'feed'")).scalar_one() == 0
            conn.execute(text("INSERT INTO cases (id, created_at, status, change_seq) "
                              "VALUES ('" + "a" * 32 + "', CURRENT_TIMESTAMP, 'new', 1)"))
            conn.execute(text("INSERT INTO items (id, case_id, kind, part_index, slot, size, sha256, blob_key, "
                              "received_at, seq) VALUES ('" + "b" * 32 + "', '" + "a" * 32 + "', 'report', 0, "
                              "'report:0', 4288, '" + "c" * 64 + "', 'k', CURRENT_TIMESTAMP, 2)"))
        with engine.begin() as conn, pytest.raises(Exception):
            # the same slot twice in a case is refused by the schema itself
            conn.execute(text("INSERT INTO items (id, case_id, kind, part_index, slot, size, sha256, blob_key, "
                              "received_at, seq) VALUES ('" + "d" * 32 + "', '" + "a" * 32 + "', 'report', 0, "
                              "'report:0', 4288, '" + "c" * 64 + "', 'k2', CURRENT_TIMESTAMP, 3)"))
        # the migrations build exactly what the models describe
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()
    runner.downgrade(empty_url, "base")
    engine = make_engine(empty_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_app_refuses_an_unmigrated_database(empty_url, tmp_path, test_keys):
    settings = Settings.from_env(env={}, database_url=empty_url, blob_dir=tmp_path / "b", keys_dir=test_keys.dir,
                                 origin=test_keys.origin)
    with pytest.raises(SchemaNotCurrent, match="tipline-server db upgrade"):
        create_app(settings)
    runner.upgrade(empty_url)
    app = create_app(settings)
    app.extensions["tipline"].engine.dispose()
