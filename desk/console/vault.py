"""The unlocked keys, in this process's memory only, and the inactivity lock.

The console starts locked. The officer's key passphrase unlocks every encryption key of the
keyring (desk.keyring); after ``lock_after`` seconds without a request from the officer (the
page's own background polling does not count) the keys are dropped and every browser session
must unlock again. Each unlock starts a new generation: a browser session is let in only if it
unlocked this generation, so another local user who reaches the port sees the unlock page.
"""

from __future__ import annotations

import threading
import time

from envelope.open import Identity

from ..keyring import Keyring


class Vault:
    def __init__(self, keyring: Keyring, lock_after: float, clock=time.monotonic):
        self.keyring = keyring
        self.lock_after = lock_after
        self.clock = clock
        self._lock = threading.Lock()
        self._identities: list[Identity] | None = None
        self._generation = 0
        self._last_activity = 0.0
        self.on_lock = []  # callbacks: the live channel tells open pages to leave

    def unlock(self, passphrase: str) -> int:
        """Open every encryption key with ``passphrase``; raises KeyringError if it is wrong."""
        identities = self.keyring.identities(passphrase)
        with self._lock:
            self._identities = identities
            self._generation += 1
            self._last_activity = self.clock()
            return self._generation

    def lock(self) -> None:
        with self._lock:
            was_open = self._identities is not None
            self._identities = None
        if was_open:
            for callback in self.on_lock:
                callback()

    def _expired(self) -> bool:
        return self._identities is not None and self.clock() - self._last_activity > self.lock_after

    def check(self, generation: int | None, touch: bool) -> bool:
        """Is this browser session (which unlocked ``generation``) let in? ``touch`` counts the
        request as the officer's activity."""
        if self._expired():
            self.lock()
        with self._lock:
            ok = self._identities is not None and generation == self._generation
            if ok and touch:
                self._last_activity = self.clock()
            return ok

    def identities(self) -> list[Identity] | None:
        """The unlocked keys, or None when locked (the background sync then only downloads)."""
        if self._expired():
            self.lock()
        with self._lock:
            return self._identities

    @property
    def unlocked(self) -> bool:
        return self.identities() is not None
