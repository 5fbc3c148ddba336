from marshmallow import Schema, fields, validate

from envelope.vocabulary import STATUSES

from ..ids import MAX_INT64
from .common import KINDS


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    code = fields.String(load_default=None, validate=validate.Length(max=32),
                         metadata={"description": "the authenticator's 6-digit code, or a recovery code"})
    device = fields.String(load_default=None, validate=validate.Length(max=128),
                           metadata={"description": "the device token an earlier login returned: its attempts "
                                                    "are not slowed down by strangers' failures"})


class OperatorSchema(Schema):
    username = fields.String(required=True)


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "send as Authorization: Bearer <token>"})
    expires_at = fields.DateTime(required=True)
    operator = fields.Nested(OperatorSchema, required=True)
    device = fields.String(allow_none=True, metadata={"description": "a new device token to keep and send at the "
                                                                     "next login (null: keep the one sent)"})


class ItemSchema(Schema):
    item_id = fields.String(attribute="id", required=True)
    case_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    part_index = fields.Integer(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    received_at = fields.DateTime(required=True,
                                  metadata={"description": "rounded down to the server's time resolution"})
    seq = fields.Integer(required=True, metadata={"description": "position in the change feed"})


class CaseSchema(Schema):
    case_id = fields.String(attribute="id", required=True)
    created_at = fields.DateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    status_changed_at = fields.DateTime(allow_none=True)
    change_seq = fields.Integer(required=True)


class CaseDetailSchema(CaseSchema):
    items = fields.List(fields.Nested(ItemSchema), required=True)


class ChangesQuerySchema(Schema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT64))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class ChangesSchema(Schema):
    cases = fields.List(fields.Nested(CaseSchema), required=True, metadata={"description": "cases changed since"})
    items = fields.List(fields.Nested(ItemSchema), required=True, metadata={"description": "items stored since"})
    cursor = fields.Integer(required=True, metadata={"description": "pass as since= to continue"})
    more = fields.Boolean(required=True)


class StatusUpdateSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
