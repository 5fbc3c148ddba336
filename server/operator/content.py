from ..context import session
from ..downloads import envelope_response
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
        key, sha256 = item.blob_key, item.sha256
    return envelope_response(item_id, key, sha256)
