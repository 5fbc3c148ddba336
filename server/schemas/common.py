from marshmallow import Schema, fields, validate

HEX32 = validate.Regexp(r"^[0-9a-f]{32}\Z", error="must be 32 lowercase hex digits")
HEX64 = validate.Regexp(r"^[0-9a-f]{64}\Z", error="must be 64 lowercase hex digits")
KINDS = ("report", "attachment", "message", "reply")


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "stable machine-readable code"})
    message = fields.String(required=True, metadata={"description": "human-readable explanation"})
    details = fields.Raw(metadata={"description": "optional structured detail (e.g. missing chunks)"})


class ItemReceiptSchema(Schema):
    """What a citizen's phone learns about an item it stored: nothing it did not send."""

    item_id = fields.String(attribute="id", required=True)
    case_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    part_index = fields.Integer(required=True)
    size = fields.Integer(required=True, metadata={"description": "envelope size in bytes (padded)"})
    sha256 = fields.String(required=True, metadata={"description": "SHA-256 of the envelope bytes, hex"})


class HealthSchema(Schema):
    status = fields.String(required=True)
