import base64

from flask import send_file

from ..context import services, session
from ..errors import NotFound
from ..models import Item
from . import bp, require_operator


@bp.get("/items/<id:item_id>/content")
@require_operator
def item_content(item_id: str):
    """The envelope's bytes, with Range support so an interrupted download resumes."""
    s = session()
    with s.begin():
        item = s.get(Item, item_id)
        if item is None:
            raise NotFound("no such item", code="item_not_found")
        path, sha256 = services().blobs.path(item.blob_key), item.sha256
    response = send_file(path, mimetype="application/octet-stream", conditional=True, etag=sha256,
                         download_name=f"{item_id}.env", as_attachment=True)
    response.headers["Repr-Digest"] = "sha-256=:" + base64.b64encode(bytes.fromhex(sha256)).decode() + ":"
    return response
