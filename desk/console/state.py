"""What the console's views share: the desk's folder, the keys, the local store and the sync."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..keyring import Keyring
from ..workspace import Workspace
from .live import Live
from .store import Store
from .vault import Vault


@dataclass
class ConsoleState:
    ws: Workspace
    keyring: Keyring
    store: Store
    vault: Vault
    live: Live
    officer: str
    worker: object = None  # worker.SyncWorker, absent in some tests


def state() -> ConsoleState:
    return current_app.extensions["tipline_console"]
