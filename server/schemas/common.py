from marshmallow import Schema, ValidationError, fields, validate

from envelope.vocabulary import ITEM_KINDS


class FullMatch(validate.Regexp):
    """A Regexp whose ``$`` also refuses a trailing newline, as Python's ``$`` alone does not.
    The pattern itself stays plain ``^...$`` so OpenAPI (ECMA-262 regexes) reads it right."""

    def __call__(self, value):
        if isinstance(value, str) and value.endswith("\n"):
            raise ValidationError(self._format_error(value))
        return super().__call__(value)


HEX32 = FullMatch(r"^[0-9a-f]{32}$", error="must be 32 lowercase hex digits")
HEX64 = FullMatch(r"^[0-9a-f]{64}$", error="must be 64 lowercase hex digits")
KINDS = ITEM_KINDS


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
    status = fields.String(required=True, validate=validate.OneOf(["ok", "degraded"]))
    reasons = fields.List(fields.String(validate=validate.OneOf(["low_disk", "storage_budget"])), required=True,
                          metadata={"description": "why it is degraded: new uploads get 507 meanwhile"})
