from ..context import session
from ..http import respond
from ..schemas.audit import AuditTrailSchema
from ..services import audit
from ..services.cases import get_case
from . import bp, require_operator

trail_schema = AuditTrailSchema()


@bp.get("/cases/<id:case_id>/audit")
@require_operator
def case_audit(case_id: str):
    """Who did what to this case, oldest first (the case's part of the hash-chained trail)."""
    s = session()
    with s.begin():
        get_case(s, case_id)
        entries = audit.for_case(s, case_id)
        return respond(trail_schema, {"entries": entries})
