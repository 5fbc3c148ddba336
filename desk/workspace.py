"""The desk's folder on the operator's machine (TIPLINE_DESK_HOME, default ~/.local/share/tipline-desk):

    keyring/                       encrypted private keys (unless --keyring points elsewhere)
    session.json                   server URL and the current token (0600)
    device.json                    this desk's device token per username (0600)
    sync.json                      the change-feed cursor
    ciphertext/<case>/<item>.env   envelopes as downloaded (and .part while downloading)
    ciphertext/<case>/case.json    what the server says of the case (status, items)
    cases/<case>/                  decrypted: report.json, attachments/, messages/, verification.json
    outbox/<case>/<reply>/         a sealed reply until the server confirms it (desk.reply)
    bundle-seen.json               the highest police bundle sequence a reply was sealed to
    root-key.json                  optional: the root public key replies check the bundle with
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .files import private_dir, read_json, write_json


def default_home() -> Path:
    env = os.environ.get("TIPLINE_DESK_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tipline-desk"


@dataclass
class Workspace:
    home: Path

    def __post_init__(self):
        private_dir(self.home)

    @property
    def keyring_dir(self) -> Path:
        return self.home / "keyring"

    @property
    def session_file(self) -> Path:
        return self.home / "session.json"

    @property
    def device_file(self) -> Path:
        """Device tokens per username (services.throttle on the server), 0600."""
        return self.home / "device.json"

    @property
    def sync_file(self) -> Path:
        return self.home / "sync.json"

    def ciphertext_dir(self, case_id: str) -> Path:
        return self.home / "ciphertext" / case_id

    def envelope_path(self, case_id: str, item_id: str) -> Path:
        return self.ciphertext_dir(case_id) / f"{item_id}.env"

    def case_meta_file(self, case_id: str) -> Path:
        return self.ciphertext_dir(case_id) / "case.json"

    def case_dir(self, case_id: str) -> Path:
        return self.home / "cases" / case_id

    def synced_cases(self) -> list[str]:
        root = self.home / "ciphertext"
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []

    def load_case_meta(self, case_id: str) -> dict:
        return read_json(self.case_meta_file(case_id), {"case_id": case_id, "items": {}})

    def save_case_meta(self, case_id: str, meta: dict) -> None:
        write_json(self.case_meta_file(case_id), meta)
