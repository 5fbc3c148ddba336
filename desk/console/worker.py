"""The console's background sync: download what the server has (desk.sync), decrypt and verify
it while the keys are unlocked (desk.decrypt), re-index it, and wake the open pages.

It waits between rounds on the server's live events (``GET /events/operator?after=N``, a long
poll on the change feed) when the server offers them, and otherwise polls every
``poll_seconds``. While the console is locked it only downloads ciphertext; what arrived is
decrypted at the next unlock.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime

from ..client import Client, DeskError
from ..decrypt import decrypt_case
from ..files import read_json
from ..keyring import KeyringError
from ..notes import send_pending as send_pending_notes
from ..sync import sync as run_sync
from . import journal
from .casefile import parse_time
from .index import forget, orphans, refresh_cases, stale_cases

EVENTS_RETRY_SECONDS = 300  # how long a server without live events is polled before asking again
EVENTS_WAIT = 35  # seconds: the server answers a long poll within about 25 s


def session_client(ws) -> Client | None:
    """A client for the server session `tipline-desk login` (or the console's login) saved."""
    session = read_json(ws.session_file)
    if not isinstance(session, dict) or not session.get("token"):
        return None
    expires = parse_time(session.get("expires_at"))
    if expires and expires <= datetime.now(UTC):
        return None
    return Client(session["server"], session["token"])


def needs_decrypt(ws, case_id: str) -> bool:
    """True if the case has items the last decryption did not see."""
    items = ws.load_case_meta(case_id).get("items") or {}
    if not items:
        return False
    ver = read_json(ws.case_dir(case_id) / "verification.json")
    if not isinstance(ver, dict):
        return True
    seen = {(ver.get("report") or {}).get("item_id")}
    for key in ("attachments", "messages", "notes"):
        seen.update(p.get("item_id") for p in ver.get(key) or [] if isinstance(p, dict))
    return bool(set(items) - seen)


class SyncWorker:
    def __init__(self, state, poll_seconds: float):
        self.state = state
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._events_off_until = 0.0
        self.thread = threading.Thread(target=self._run, name="console-sync", daemon=True)
        self.events = threading.Thread(target=self._follow_events, name="console-events", daemon=True)

    def start(self) -> SyncWorker:
        self.thread.start()
        self.events.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.thread.join(timeout=40)

    def kick(self, case_ids=()) -> None:
        """Run a round now; ``case_ids`` are checked for decryption in it."""
        with self._pending_lock:
            self._pending.update(case_ids)
        self._wake.set()

    def after_unlock(self) -> None:
        ws = self.state.ws
        self.kick([cid for cid in ws.synced_cases() if needs_decrypt(ws, cid)])

    def _run(self) -> None:
        try:
            self.kick(stale_cases(self.state.store, self.state.ws))  # what changed while the console was off
            forget(self.state.store, orphans(self.state.store, self.state.ws))
        except OSError as exc:
            self.state.live.sync_error = str(exc)
        while not self._stop.is_set():
            self._wake.clear()
            self.state.live.sync_error = ""
            try:
                self.round()
            except (DeskError, KeyringError, ValueError, OSError) as exc:
                self.state.live.sync_error = str(exc)
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any one bad round
                self.state.live.sync_error = f"{type(exc).__name__}: {exc}"
                print(f"console: sync round: {self.state.live.sync_error}", file=sys.stderr, flush=True)
            self._wait()

    def round(self) -> set[str]:
        """One sync-decrypt-index round; returns the cases whose index rows changed."""
        state = self.state
        changed: set[str] = set()
        client = session_client(state.ws)
        if state.live.no_session != (client is None):
            state.live.no_session = client is None
            state.live.bump()
        if client is not None:
            _, unsent = send_pending_notes(client, state.ws)  # notes sealed while the server was away
            report = run_sync(client, state.ws, show_progress=False)
            if unsent:
                state.live.sync_error = f"{len(unsent)} note(s) not sent yet: {unsent[0]}"
            state.live.last_sync = journal.now_iso()
            changed |= report.cases
            if report.deleted:  # retention on the server: this desk's copies are gone, so are the rows
                forget(state.store, report.deleted)
                for case_id in report.deleted:
                    journal.record(state.store, case_id, state.officer, "deleted")
                changed -= report.deleted
                state.live.bump()
        with self._pending_lock:
            candidates = {c for c in self._pending | changed if state.ws.case_meta_file(c).is_file()}
            self._pending = set()
        failed = []
        for case_id in sorted(candidates):
            try:
                self._decrypt_if_needed(case_id)
            except Exception as exc:  # noqa: BLE001 - one case's trouble must not stop the others
                failed.append(case_id)
                print(f"console: case {case_id}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        try:
            refresh_cases(state.store, state.ws, sorted(candidates))
        except Exception as exc:  # noqa: BLE001
            failed.extend(candidates)
            print(f"console: index: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        if failed:
            with self._pending_lock:
                self._pending.update(failed)  # tried again next round
            state.live.sync_error = f"{len(failed)} case(s) could not be processed; retrying"
        if candidates:
            state.live.bump()
        return candidates

    def _decrypt_if_needed(self, case_id: str) -> None:
        state = self.state
        identities = state.vault.identities()
        if needs_decrypt(state.ws, case_id):
            if identities is None:
                with self._pending_lock:
                    self._pending.add(case_id)  # decrypted at the next unlock
            else:
                result = decrypt_case(state.ws, case_id, identities)
                journal.record(state.store, case_id, state.officer, "decrypted", result.verdict)

    def _wait(self) -> None:
        self._wake.wait(self.poll_seconds)

    def _follow_events(self) -> None:
        """Wake the loop as soon as the server's change feed moves past our cursor."""
        last = None
        while not self._stop.is_set():
            client = session_client(self.state.ws)
            if client is None or time.monotonic() < self._events_off_until:
                self._stop.wait(self.poll_seconds)
                continue
            cursor = int((read_json(self.state.ws.sync_file) or {}).get("cursor", 0))
            try:
                seq = client.wait_for_changes(cursor, timeout=EVENTS_WAIT)
            except DeskError:
                self._stop.wait(self.poll_seconds)
                continue
            if seq is None:  # no live events on this server (yet): plain polling
                self._events_off_until = time.monotonic() + EVENTS_RETRY_SECONDS
            elif seq > cursor:
                self._wake.set()
                # let the round move the cursor before asking again (longer if the last one did not)
                self._stop.wait(0.5 if seq != last else self.poll_seconds)
                last = seq

