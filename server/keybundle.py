"""The signed key bundle the server hands to phones.

The server cannot sign (it has no root key) but it verifies what it serves: at startup a
bundle that does not verify against keys/root-key.json, names another origin or is valid for
longer than phones accept (90 days), stops the server. The file is re-read when it changes,
so a rotated bundle is served without a restart;
a bad replacement is refused and the last good bundle stays.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from envelope import errors
from envelope.bundle import (REFRESH_BEFORE_EXPIRY, KeyBundle, load_document, parse_payload,
                             parse_root_key_document, verify_bundle)

log = logging.getLogger("tipline.server")
BUNDLE_FILE = "bundle.json"
ROOT_FILE = "root-key.json"
EXPIRY_WARNING = REFRESH_BEFORE_EXPIRY  # when phones start asking for a newer bundle at every check


class KeyBundleUnavailable(RuntimeError):
    pass


class KeyBundleSource:
    def __init__(self, keys_dir: Path, origin: str, *, announce: bool = True):
        self.keys_dir = Path(keys_dir)
        self.origin = origin
        self._lock = threading.Lock()
        self._stamp = None
        self._document: dict | None = None
        self.bundle: KeyBundle | None = None
        self._announce = announce
        self._load(startup=True)

    def _load(self, *, startup: bool = False) -> None:
        bundle_path, root_path = self.keys_dir / BUNDLE_FILE, self.keys_dir / ROOT_FILE
        try:
            stamp = (bundle_path.stat().st_mtime_ns, root_path.stat().st_mtime_ns)
        except FileNotFoundError:
            if startup and self._announce:
                log.error("NO KEY BUNDLE in %s: phones cannot encrypt until one is signed (see README)", self.keys_dir)
            return
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            root = parse_root_key_document(root_path.read_text())
            raw = bundle_path.read_text()
            try:
                bundle = verify_bundle(raw, root, origin=self.origin, now=datetime.now(UTC))
            except errors.BundleExpired:
                # Signature and origin were checked before expiry: keep it, but phones get a 503.
                bundle = parse_payload(load_document(raw)["payload"].encode("ascii"))
                log.error("THE KEY BUNDLE HAS EXPIRED: phones cannot send until a new one is signed")
        except (errors.BundleError, OSError) as exc:
            if startup:
                raise KeyBundleUnavailable(f"the key bundle in {self.keys_dir} is not valid: {exc}") from exc
            log.error("the new key bundle in %s is refused (%s); still serving the previous one", self.keys_dir, exc)
            return
        if self.bundle is not None and bundle.sequence < self.bundle.sequence:
            log.error("the new key bundle goes back in sequence (%d < %d); refused", bundle.sequence,
                      self.bundle.sequence)
            return
        self._document = load_document(raw)
        self.bundle = bundle
        left = bundle.expires - datetime.now(UTC)
        if left < EXPIRY_WARNING:
            log.warning("the key bundle expires in %s: sign a new one (tipline-desk sign-bundle)", left)
        if self._announce:
            log.info("serving key bundle sequence %d for %s", bundle.sequence, bundle.origin)

    def document(self) -> dict:
        with self._lock:
            self._load()
        if self._document is None:
            raise KeyBundleUnavailable("no key bundle is installed on this server")
        if self.bundle is not None and datetime.now(UTC) >= self.bundle.expires:
            raise KeyBundleUnavailable("the key bundle has expired; operators must sign a new one")
        return self._document
