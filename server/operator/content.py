from flask import g

from ..context import services, session
from ..downloads import envelope_response
from ..services import triage
from . import bp, require_operator


@bp.get("/items/<id:item_id>/content")
@require_operator
def item_content(item_id: str):
    """The envelope's bytes, with Range support so an interrupted download resumes."""
    key, sha256 = triage.item_for_download(session(), services().settings, item_id, actor=g.operator.username)
    return envelope_response(item_id, key, sha256)
