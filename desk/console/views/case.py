"""The case page: the report as the article's table, the photos and videos, the conversation,
the status and assignment (on the server), the unit's notes (sealed here, shared through the
server: desk.notes), and the history."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for

from ... import notes as shared_notes
from ... import reply as replies
from ...client import DeskError
from ...keyring import KeyringError
from .. import journal, server_calls
from ..casefile import CaseFile, attachment_path, load_case
from ..forms import ActionForm, AssignForm, NoteForm, ReplyForm, StatusForm
from ..headers import ATTACHMENT_CSP, content_disposition
from ..i18n import gettext as _
from ..index import refresh_case
from ..labels import STATUS
from ..state import state
from ..worker import session_client

bp = Blueprint("case", __name__, url_prefix="/cases")
CASE_ID = re.compile(r"[0-9a-f]{32}")


def find_case(case_id: str) -> CaseFile:
    st = state()
    if not CASE_ID.fullmatch(case_id) or not st.ws.case_meta_file(case_id).is_file():
        abort(404)
    return load_case(st.ws, case_id)


def _changed(case_id: str) -> None:
    st = state()
    refresh_case(st.store, st.ws, case_id)
    st.live.bump()


@bp.get("/<case_id>")
def show(case_id: str):
    st = state()
    case = find_case(case_id)
    journal.opened_once(st.store, case_id, st.officer)
    client = session_client(st.ws)
    citizen = [m.seq for m in case.messages if m.kind == "message"]
    if citizen and journal.mark_read(st.store, case_id, max(citizen), st.officer):
        answer = server_calls.mark_read(client, case_id, max(citizen))
        if answer and type(answer.get("unread_messages")) is int:
            _save_server_state(case_id, {"unread_messages": answer["unread_messages"]})
        _changed(case_id)
    status_form = StatusForm(status=case.status)
    return render_template("case.html", case=case, rep=case.report, status_form=status_form,
                           assign_form=AssignForm(assignee=case.assignee),
                           note_form=NoteForm(), action_form=ActionForm(), notes=journal.notes(st.store, case_id),
                           pending_notes=len(shared_notes.pending(st.ws, case_id)),
                           history=journal.history(st.store, case_id), statuses=STATUS,
                           server_history=server_calls.case_audit(client, case_id),
                           reply_form=ReplyForm() if _has_mailbox(case) else None)


def _has_mailbox(case: CaseFile) -> bool:
    """A reply can be sealed only to a verified report's mailbox key."""
    try:
        replies.citizen_key(state().ws, case.case_id)
    except DeskError:
        return False
    return True


@bp.get("/<case_id>/attachments/<int:part>")
@bp.get("/<case_id>/attachments/<int:part>/<any(view, download):mode>")
def attachment(case_id: str, part: int, mode: str = "download"):
    """A decrypted attachment. Shown inline only for image and video types found in its bytes
    (inside <img>/<video>, which run nothing); anything else, HTML and SVG included, is a
    download with a neutral type. Never sniffed, never framed, sandboxed if opened anyway."""
    st = state()
    case = find_case(case_id)
    att = next((a for a in case.all_files() if a.part == part), None)
    path = attachment_path(st.ws, case, att) if att else None
    if path is None:
        abort(404)
    inline = mode == "view" and att.inline is not None
    response = send_file(path, mimetype=att.detected_type if inline else "application/octet-stream",
                         as_attachment=False, conditional=True, max_age=0)
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment", path.name)
    response.headers["Content-Security-Policy"] = ATTACHMENT_CSP
    return response


@bp.post("/<case_id>/status")
def set_status(case_id: str):
    st = state()
    find_case(case_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    client = session_client(st.ws)
    if client is None:
        flash(_("Pas de session sur le serveur : connectez-vous d'abord."))
        return redirect(url_for("auth.server_login"))
    try:
        answer = client.set_status(case_id, form.status.data)
    except DeskError as exc:
        flash(_("Le serveur a refusé le changement de statut : {error}", error=str(exc)))
        return redirect(url_for("case.show", case_id=case_id))
    before = st.ws.load_case_meta(case_id).get("status")
    _save_server_state(case_id, answer)
    journal.record(st.store, case_id, st.officer, "status", f"{before} → {answer.get('status')}")
    _changed(case_id)
    flash(_("Statut enregistré sur le serveur."))
    return redirect(url_for("case.show", case_id=case_id))


@bp.post("/<case_id>/assign")
def assign(case_id: str):
    st = state()
    find_case(case_id)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    client = session_client(st.ws)
    if client is None:
        flash(_("Pas de session sur le serveur : connectez-vous d'abord."))
        return redirect(url_for("auth.server_login"))
    name = (form.assignee.data or "").strip()
    try:
        answer = client.set_assignee(case_id, name or None)
    except DeskError as exc:
        flash(_("Le serveur a refusé l'attribution : {error}", error=str(exc)))
        return redirect(url_for("case.show", case_id=case_id))
    _save_server_state(case_id, answer)
    journal.record(st.store, case_id, st.officer, "assigned", answer.get("assignee") or "—")
    _changed(case_id)
    flash(_("Attribution enregistrée sur le serveur."))
    return redirect(url_for("case.show", case_id=case_id))


def _save_server_state(case_id: str, answer: dict) -> None:
    """What the server answered of the case (status, assignee...), as a sync would store it."""
    st = state()
    meta = st.ws.load_case_meta(case_id)
    meta.update({k: answer[k] for k in ("status", "status_changed_at", "change_seq", "assignee", "unread_messages")
                 if k in answer})
    st.ws.save_case_meta(case_id, meta)


@bp.post("/<case_id>/notes")
def add_note(case_id: str):
    st = state()
    find_case(case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    back = redirect(url_for("case.show", case_id=case_id) + "#notes")
    client = session_client(st.ws)
    try:
        if client is None:
            raise DeskError(_("pas de session sur le serveur"))
        root = replies.trusted_root(st.ws, st.keyring, None)
        police = replies.police_keys(st.ws, client, root, None)
        path = shared_notes.prepare_note(st.ws, case_id, text=form.body.data.strip(), author=st.officer[:64],
                                         bundle_keys=police.keys)
    except (DeskError, KeyringError, ValueError) as exc:
        # no bundle to seal to (offline, no session): kept on this desk only, as before
        journal.add_note(st.store, case_id, form.body.data, st.officer)
        _changed(case_id)
        flash(_("La note n'a pas pu être chiffrée pour l'unité ({error}) : elle reste sur ce poste seulement.",
                error=str(exc)))
        return back
    journal.record(st.store, case_id, st.officer, "note")
    try:
        shared_notes.send(client, case_id, path)
        flash(_("Note chiffrée et partagée avec l'unité."))
    except DeskError:
        flash(_("Le serveur n'a pas pris la note : elle partira à la prochaine synchronisation."))
    if st.worker is not None:
        st.worker.kick([case_id])
    _changed(case_id)
    return back


@bp.post("/<case_id>/reply")
def reply(case_id: str):
    """Seal a reply to the citizen's mailbox key and every key of the verified police bundle
    (desk.reply), send it through the desk's outbox, then sync so it shows in the thread."""
    st = state()
    find_case(case_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    client = session_client(st.ws)
    if client is None:
        flash(_("Pas de session sur le serveur : connectez-vous d'abord."))
        return redirect(url_for("auth.server_login"))
    try:
        root = replies.trusted_root(st.ws, st.keyring, None)
        police = replies.police_keys(st.ws, client, root, None)
        folder = replies.prepare_reply(st.ws, case_id, text=form.text.data, files=[], author=st.officer,
                                       police=police, citizen_x25519=replies.citizen_key(st.ws, case_id))
        replies.send(client, folder)
    except (DeskError, KeyringError, ValueError) as exc:
        flash(_("La réponse n'est pas partie : {error}", error=str(exc)))
        return redirect(url_for("case.show", case_id=case_id) + "#h-conv")
    journal.record(st.store, case_id, st.officer, "reply")
    if st.worker is not None:
        st.worker.kick([case_id])
    flash(_("Réponse envoyée."))
    return redirect(url_for("case.show", case_id=case_id) + "#h-conv")
