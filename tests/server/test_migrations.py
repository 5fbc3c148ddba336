"""Alembic: every revision applies to an empty database and carries data forward; the
models and the migrations agree; the app refuses an unmigrated database."""

import pytest
import sqlalchemy as sa
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
    finally:
        engine.dispose()
    # the migrations, all of them, build exactly what the models describe
    runner.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
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


def test_0005_pow_spent_is_single_use(empty_url):
    """A proof-of-work solution is recorded once: the second insert of the same challenge fails
    in the database itself, whichever request commits first (server.pow.store.spend)."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import IntegrityError

    runner.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        table = Base.metadata.tables["pow_spent"]
        row = {"challenge": "a" * 64, "purpose": "case", "expires_at": datetime(2026, 12, 2, 12, tzinfo=UTC)}
        with engine.begin() as conn:
            conn.execute(table.insert().values(**row))
        with engine.begin() as conn, pytest.raises(IntegrityError):
            conn.execute(table.insert().values(**row))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pow_spent")).scalar_one() == 1
    finally:
        engine.dispose()
    runner.downgrade(empty_url, "0006_unit")
    engine = make_engine(empty_url)
    try:
        assert not {"pow_spent", "server_secrets"} & set(inspect(engine).get_table_names())
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


@pytest.mark.parametrize("resolution", [3600, 900])
def test_0002_coarsens_every_stored_time(empty_url, resolution):
    """Rows written at full precision before 0002 come out rounded: events down, deadlines up;
    tokens (whose new form carries the exact expiry) are dropped."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from server.models import Case, Item, Operator, Upload

    runner.upgrade(empty_url, "0001")
    exact = datetime(2026, 11, 28, 14, 23, 17, 123456, tzinfo=UTC)
    deadline = datetime(2026, 11, 28, 14, 38, 2, 5, tzinfo=UTC)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            def insert(table, **values):  # the columns of that revision only, not the models' defaults
                conn.execute(sa.table(table, *map(sa.column, values)).insert().values(**values))

            insert("cases", id="a" * 32, created_at=exact, status="useful", status_changed_at=exact, change_seq=1)
            insert("cases", id="e" * 32, created_at=exact, status="new", status_changed_at=None, change_seq=3)
            insert("items", id="b" * 32, case_id="a" * 32, kind="report", part_index=0, slot="report:0", size=4288,
                   sha256="c" * 64, blob_key="k", received_at=exact, seq=2)
            insert("uploads", item_id="d" * 32, case_id="a" * 32, kind="attachment", part_index=1,
                   slot="attachment:1", size=10, chunk_size=10, sha256="c" * 64, header_size=176,
                   header_sha256="c" * 64, created_at=exact)
            # the columns of 0001's operators table (0006 replaced the lockout columns)
            conn.execute(text("INSERT INTO operators (id, username, password_hash, created_at, disabled, "
                              "failed_logins, locked_until) VALUES (1, 'agent', 'x', :c, :d, 0, :l)"),
                         {"c": exact, "d": False, "l": deadline})
            insert("operator_tokens", token_hash="f" * 64, operator_id=1, created_at=exact, expires_at=deadline)
    finally:
        engine.dispose()

    runner.upgrade(empty_url, "0002", time_resolution=resolution)
    down = datetime.fromtimestamp(int(exact.timestamp()) // resolution * resolution, UTC)
    up = datetime.fromtimestamp((int(deadline.timestamp()) // resolution + 1) * resolution, UTC)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            cases = conn.execute(select(Case.created_at, Case.status_changed_at).order_by(Case.id)).mappings().all()
            assert [(c["created_at"], c["status_changed_at"]) for c in cases] == [(down, down), (down, None)]
            assert conn.execute(select(Item.received_at)).scalar_one() == down
            assert conn.execute(select(Upload.created_at)).scalar_one() == down
            from sqlalchemy import column, table

            from server.models import UTCDateTime

            old_operators = table("operators", column("created_at", UTCDateTime()),
                                  column("locked_until", UTCDateTime()))
            assert conn.execute(select(old_operators)).one() == (down, up)
            assert conn.execute(text("SELECT count(*) FROM operator_tokens")).scalar_one() == 0
            # the rest of each row is untouched
            assert conn.execute(select(Case.status).where(Case.id == "a" * 32)).scalar_one() == "useful"
            assert conn.execute(select(Operator.username, Operator.password_hash)).one() == ("agent", "x")
    finally:
        engine.dispose()


def test_0006_unit_keeps_operators_and_starts_an_empty_audit_chain(empty_url):
    """Operators written before 0006 keep their names and passwords, without a second factor;
    the audit counter starts at 0; the downgrade gives back the lockout columns."""
    runner.upgrade(empty_url, "0002")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO operators (id, username, password_hash, created_at, disabled, "
                              "failed_logins) VALUES (1, 'agent', 'x', CURRENT_TIMESTAMP, :d, 3)"), {"d": False})
    finally:
        engine.dispose()
    runner.upgrade(empty_url, "0006_unit")
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username, password_hash, totp_secret FROM operators")).one() == (
                "agent", "x", None)
            assert conn.execute(text("SELECT value FROM counters WHERE name = 'audit'")).scalar_one() == 0
            assert "failed_logins" not in {c["name"] for c in inspect(conn).get_columns("operators")}
    finally:
        engine.dispose()
    runner.downgrade(empty_url, "0002")
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            assert "failed_logins" in {c["name"] for c in inspect(conn).get_columns("operators")}
            assert "audit_log" not in inspect(conn).get_table_names()
            assert conn.execute(text("SELECT count(*) FROM counters WHERE name = 'audit'")).scalar_one() == 0
    finally:
        engine.dispose()


def test_0003_mailbox_numbers_stored_items_and_matches_the_models(empty_url):
    """Items stored before 0003 get their position in their case (feed order) and sender
    "citizen"; the head schema is exactly what the models describe; the downgrade works."""
    runner.upgrade(empty_url, "0004_front")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            def insert(table, **values):
                conn.execute(sa.table(table, *map(sa.column, values)).insert().values(**values))

            for n, case in enumerate(("a" * 32, "e" * 32)):
                insert("cases", id=case, created_at=sa.func.current_timestamp(), status="new", change_seq=10 + n)
            for seq, (item, case) in enumerate([("1", "a"), ("2", "e"), ("3", "a"), ("4", "a")], start=1):
                insert("items", id=item * 32, case_id=case * 32, kind="attachment", part_index=seq,
                       slot=f"attachment:{seq}", size=4288, sha256="c" * 64, blob_key=item,
                       received_at=sa.func.current_timestamp(), seq=seq)
    finally:
        engine.dispose()
    runner.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, position, sender FROM items ORDER BY seq")).all()
            assert [(r[0][0], r[1], r[2]) for r in rows] == [("1", 1, "citizen"), ("2", 1, "citizen"),
                                                             ("3", 2, "citizen"), ("4", 3, "citizen")]
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()
    runner.downgrade(empty_url, "0004_front")
    engine = make_engine(empty_url)
    try:
        assert "mailboxes" not in inspect(engine).get_table_names()
        assert "position" not in {c["name"] for c in inspect(engine).get_columns("items")}
    finally:
        engine.dispose()


def test_0007_unit_adds_the_assignee_to_existing_cases(empty_url):
    runner.upgrade(empty_url, "0003_mailbox")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO cases (id, created_at, status, change_seq) "
                              "VALUES ('" + "a" * 32 + "', CURRENT_TIMESTAMP, 'useful', 1)"))
    finally:
        engine.dispose()
    runner.upgrade(empty_url, "0007_unit")
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT status, assignee FROM cases")).one() == ("useful", None)
    finally:
        engine.dispose()
    runner.downgrade(empty_url, "0003_mailbox")
    engine = make_engine(empty_url)
    try:
        assert "assignee" not in {c["name"] for c in inspect(engine).get_columns("cases")}
    finally:
        engine.dispose()
