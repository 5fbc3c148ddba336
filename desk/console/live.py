"""A revision number that goes up whenever what the console shows changes (a sync brought
something, a colleague changed a status, this desk locked), and a bounded wait on it that the
pages' script long-polls to refresh themselves."""

from __future__ import annotations

import threading


class Live:
    def __init__(self):
        self._cond = threading.Condition()
        self.revision = 0
        self.sync_error = ""
        self.last_sync = ""
        self.no_session = False  # no valid server session: the page offers the login

    def bump(self) -> int:
        with self._cond:
            self.revision += 1
            self._cond.notify_all()
            return self.revision

    def wait(self, after: int, timeout: float) -> int:
        """The revision once it is above ``after``, or the current one after ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self.revision > after, timeout=timeout)
            return self.revision
