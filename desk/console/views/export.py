"""Exports for investigators: the case file PDF and a zip of the originals. Each is recorded
in the case's history (chain of custody) before it is made, so the file lists itself."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile

from flask import Blueprint, Response, abort, send_file

from ...client import DeskError
from .. import casepdf, journal
from ..worker import session_client
from ..forms import ActionForm
from ..headers import content_disposition
from ..state import state
from .case import find_case

bp = Blueprint("export", __name__, url_prefix="/cases")


def _custody(case_id: str, what: str, server_what: str) -> None:
    """The export goes into this desk's history and, when the server can be reached, into its
    audit trail (POST /cases/{id}/audit); an export made offline says so in the history."""
    st = state()
    client = session_client(st.ws)
    recorded = False
    if client is not None:
        try:
            client.record_export(case_id, server_what)
            recorded = True
        except DeskError:
            recorded = False
    journal.record(st.store, case_id, st.officer, "exported",
                   what if recorded else f"{what} (non inscrit au journal du serveur)")


def _pdf_bytes(case) -> bytes:
    st = state()
    return casepdf.build(st.ws, case, officer=st.officer, custody=journal.history(st.store, case.case_id),
                         assignee=case.assignee)


@bp.post("/<case_id>/export.pdf")
def pdf(case_id: str):
    case = find_case(case_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    _custody(case_id, "dossier PDF", "case_file_pdf")
    response = Response(_pdf_bytes(case), mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition("attachment", f"dossier-{case_id}.pdf")
    return response


@bp.post("/<case_id>/originals.zip")
def originals(case_id: str):
    """Every file of the case as the desk holds it: the envelopes as downloaded, the decrypted
    report, attachments and messages, verification.json, the PDF, and SHA256SUMS over them."""
    st = state()
    case = find_case(case_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    _custody(case_id, "originaux (zip)", "originals_zip")
    fd, name = tempfile.mkstemp(dir=st.ws.home, prefix=".export-", suffix=".zip")
    os.close(fd)
    try:
        _write_zip(name, case, case_id)
    except BaseException:
        os.unlink(name)
        raise
    archive = open(name, "rb")  # noqa: SIM115 - closed by the response
    os.unlink(name)  # gone from the folder at once; the open handle streams it
    response = send_file(archive, mimetype="application/zip", as_attachment=True,
                         download_name=f"originaux-{case_id}.zip", max_age=0)
    response.headers["Content-Disposition"] = content_disposition("attachment", f"originaux-{case_id}.zip")
    return response


def _write_zip(name: str, case, case_id: str) -> None:
    st = state()
    sums = []
    with zipfile.ZipFile(name, "w", compression=zipfile.ZIP_STORED) as zf:
        for base, arc in ((st.ws.ciphertext_dir(case_id), "chiffre"), (st.ws.case_dir(case_id), "dechiffre")):
            if not base.is_dir():
                continue
            for path in sorted(p for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")):
                rel = f"{arc}/{path.relative_to(base).as_posix()}"
                digest = hashlib.sha256()
                with open(path, "rb") as src, zf.open(rel, "w", force_zip64=True) as dst:
                    while block := src.read(1 << 20):
                        digest.update(block)
                        dst.write(block)
                sums.append(f"{digest.hexdigest()}  {rel}")
        pdf_data = _pdf_bytes(case)
        zf.writestr(f"dossier-{case_id}.pdf", pdf_data)
        sums.append(f"{hashlib.sha256(pdf_data).hexdigest()}  dossier-{case_id}.pdf")
        zf.writestr("SHA256SUMS", "\n".join(sums) + "\n")
