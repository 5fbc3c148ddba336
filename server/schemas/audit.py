"""The audit trail as operators read it (services.audit)."""

import json

from marshmallow import Schema, fields, validate


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


# What happens on a desk, out of the server's sight, that the desk reports for the trail.
DESK_ACTIONS = ("exported",)
DESK_WHAT = ("case_file_pdf", "originals_zip")


class DeskActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(DESK_ACTIONS))
    what = fields.String(required=True, validate=validate.OneOf(DESK_WHAT),
                         metadata={"description": "what was exported: the case file (PDF) or the originals (zip)"})
