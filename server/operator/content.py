import base64
import os

from flask import current_app, g, request
from werkzeug.wsgi import wrap_file

from ..context import services, session
from ..services import triage
from . import bp, require_operator


@bp.get("/items/<id:item_id>/content")
@require_operator
def item_content(item_id: str):
    """The envelope's bytes, with Range support so an interrupted download resumes."""
    key, sha256 = triage.item_for_download(session(), services().settings, item_id, actor=g.operator.username)
    # Opened without moving its access time (a download time would say when the case came in);
    # what send_file does for a path, done for this file object.
    f = services().blobs.open(key)
    size = os.fstat(f.fileno()).st_size
    response = current_app.response_class(wrap_file(request.environ, f), mimetype="application/octet-stream",
                                          direct_passthrough=True)
    response.call_on_close(f.close)  # also when a 304 or 416 drops the body
    response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{item_id}.env"'
    response.set_etag(sha256)
    response = response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    response.headers["Repr-Digest"] = "sha-256=:" + base64.b64encode(bytes.fromhex(sha256)).decode() + ":"
    return response
