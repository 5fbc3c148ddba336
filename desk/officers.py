"""The unit's roster: which officer holds which encryption key.

Each officer makes their own X25519 key (with their own passphrase) on their own machine and
hands its public half to whoever keeps the root key. The roster lives beside the root key (in
the keyring folder, possibly on offline media) and is the source of every signed bundle: adding
or removing an officer rewrites the roster and signs a new bundle with a higher sequence.

The bundle itself keeps the envelope format's two roles (primary, backup); officers' names never
leave the roster, so the public bundle does not say who works in the unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from envelope import bundle as kb
from envelope.constants import MAX_BUNDLE_RECIPIENTS
from envelope.keys import fingerprint, key_id

from .files import read_json, write_json

ROSTER_TYPE = "tipline.officer-roster"
ROSTER_FILE = "officers.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class RosterError(ValueError):
    pass


@dataclass(frozen=True)
class Officer:
    name: str
    public_key: bytes
    role: str
    added: str

    @property
    def key_id(self) -> str:
        return key_id(self.public_key).hex()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def to_json(self) -> dict:
        return {"name": self.name, "public_key": kb.b64(self.public_key), "key_id": self.key_id,
                "role": self.role, "added": self.added}

    @classmethod
    def from_json(cls, obj: dict) -> Officer:
        pk = kb.unb64(obj["public_key"], 32)
        if key_id(pk).hex() != obj.get("key_id") or obj.get("role") not in kb.ROLES:
            raise RosterError(f"the roster's entry for {obj.get('name')!r} is damaged")
        return cls(obj["name"], pk, obj["role"], obj["added"])


def roster_path(keyring_dir: Path) -> Path:
    return Path(keyring_dir) / ROSTER_FILE


def load(path: Path) -> list[Officer] | None:
    """The roster, or None if there is none yet."""
    doc = read_json(path)
    if doc is None:
        return None
    if not isinstance(doc, dict) or doc.get("type") != ROSTER_TYPE or doc.get("version") != 1:
        raise RosterError(f"{path} is not an officer roster")
    return [Officer.from_json(o) for o in doc["officers"]]


def save(path: Path, officers: list[Officer]) -> None:
    write_json(path, {"type": ROSTER_TYPE, "version": 1, "officers": [o.to_json() for o in officers]})


def from_bundle(bundle: kb.KeyBundle) -> list[Officer]:
    """A first roster from a bundle signed before rosters existed: its keys keep their place, named
    by key id until someone renames them (remove and add again)."""
    now = _now()
    return [Officer(f"key-{r.key_id.hex()[:8]}", r.public_key, r.role, now) for r in bundle.recipients]


def add(officers: list[Officer], name: str, public_key: bytes, role: str = "primary") -> list[Officer]:
    if not _NAME.fullmatch(name or ""):
        raise RosterError("an officer's name is 1 to 64 letters, digits, '.', '_' or '-' (e.g. agent.dupont)")
    if role not in kb.ROLES:
        raise RosterError(f"role must be one of {kb.ROLES}")
    if any(o.name == name for o in officers):
        raise RosterError(f"{name} is already on the roster")
    for o in officers:
        if o.public_key == public_key:
            raise RosterError(f"this key is already {o.name}'s")
    if len(officers) >= MAX_BUNDLE_RECIPIENTS:
        # the envelope seals one file key per recipient, at most 16, and a message or reply also
        # to the citizen's receipt key: a bundle names at most 15 (envelope/constants.py)
        raise RosterError(f"a bundle names at most {MAX_BUNDLE_RECIPIENTS} keys, backups included; remove one first")
    return [*officers, Officer(name, public_key, role, _now())]


def remove(officers: list[Officer], name: str) -> list[Officer]:
    kept = [o for o in officers if o.name != name]
    if len(kept) == len(officers):
        raise RosterError(f"{name} is not on the roster")
    if not any(o.role == "primary" for o in kept):
        raise RosterError("the last primary key cannot be removed: add its successor first")
    return kept


def recipients(officers: list[Officer]) -> list[tuple[bytes, str]]:
    return [(o.public_key, o.role) for o in officers]


def _now() -> str:
    return datetime.now(UTC).strftime(kb.TIME_FORMAT)
