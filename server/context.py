"""What a request needs from the app: settings, a database session, the blob store, the keys."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .blobs import BlobStore
from .config import Settings
from .keybundle import KeyBundleSource


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    key_bundle: KeyBundleSource


def services() -> Services:
    return current_app.extensions["tipline"]


def session() -> Session:
    if "db_session" not in g:
        g.db_session = services().sessions()
    return g.db_session


def close_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()
