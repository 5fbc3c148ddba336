"""Run and check Alembic migrations for a database URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from ..db import normalise_url

HERE = Path(__file__).resolve().parent


class SchemaNotCurrent(RuntimeError):
    pass


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head", *, time_resolution: int | None = None) -> None:
    """Migrate; ``time_resolution`` is the granularity data migrations round times to
    (default: TIPLINE_TIME_RESOLUTION, else an hour)."""
    cfg = alembic_config(url)
    if time_resolution is not None:
        cfg.attributes["time_resolution"] = time_resolution
    command.upgrade(cfg, revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revisions(url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def check_current(engine: Engine, url: str) -> None:
    """Refuse to run on a database that is not at the latest revision."""
    current, heads = current_revisions(engine), head_revisions(url)
    if current != heads:
        have = ", ".join(sorted(current)) or "no schema"
        raise SchemaNotCurrent(
            f"the database is not migrated (it has {have}, the code needs {', '.join(sorted(heads))}): "
            "run `tipline-server db upgrade`"
        )

