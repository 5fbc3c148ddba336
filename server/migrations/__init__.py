"""Alembic migrations, driven from code (no alembic.ini): see ``server.migrations.runner``."""
