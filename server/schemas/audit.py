"""The audit trail as operators read it (services.audit)."""

import json

from marshmallow import Schema, fields


class AuditEntrySchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "position in the chain"})
    at = fields.DateTime(required=True, metadata={"description": "rounded down to the server's time resolution"})
    actor = fields.String(allow_none=True, required=True, metadata={"description": "the operator's username"})
    action = fields.String(required=True)
    case_id = fields.String(allow_none=True, required=True)
    item_id = fields.String(allow_none=True, required=True)
    detail = fields.Function(lambda e: json.loads(e.detail) if e.detail else None, allow_none=True,
                             metadata={"description": "e.g. {from, to} of a status change"})
    hash = fields.String(required=True, metadata={"description": "SHA-256 over the previous hash and this entry"})


class AuditTrailSchema(Schema):
    entries = fields.List(fields.Nested(AuditEntrySchema), required=True)
