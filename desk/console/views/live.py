"""The pages' long poll: answers as soon as the console's revision moves (or after 20 s), and
says when the console locked, so an open page leaves the screen."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, session

from ..state import state

bp = Blueprint("live", __name__)
WAIT_SECONDS = 20


@bp.get("/api/live")
def poll():
    st = state()
    after = request.args.get("after", type=int, default=-1)
    if not st.vault.check(session.get("generation"), touch=False):
        return jsonify(locked=True), 401
    revision = st.live.wait(after, WAIT_SECONDS) if after >= 0 else st.live.revision
    locked = not st.vault.check(session.get("generation"), touch=False)
    return jsonify(revision=revision, locked=locked, sync_error=st.live.sync_error, last_sync=st.live.last_sync)
