from marshmallow import Schema, fields, validate

from envelope.vocabulary import STATUSES

from ..ids import MAX_INT64
from .common import KINDS, FullMatch
from .mailbox import ReadMarkSchema


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
    position = fields.Integer(required=True, metadata={"description": "1, 2, 3… within the case"})
    sender = fields.String(required=True, validate=validate.OneOf(["citizen", "police"]))


class CaseSchema(Schema):
    case_id = fields.String(attribute="id", required=True)
    created_at = fields.DateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    status_changed_at = fields.DateTime(allow_none=True)
    change_seq = fields.Integer(required=True)
    assignee = fields.String(allow_none=True, required=True, metadata={"description": "the officer the case is "
                                                                                      "assigned to; null: nobody"})
    unread_messages = fields.Integer(required=True, metadata={"description": "citizen messages after the police's "
                                                                            "read mark"})


class CaseDetailSchema(CaseSchema):
    items = fields.List(fields.Nested(ItemSchema), required=True)
    has_mailbox = fields.Boolean(required=True, metadata={"description": "replies can be sent (and read)"})
    read_by_police_up_to = fields.Integer(required=True, allow_none=True, metadata={"description": "feed seq"})
    read_by_citizen_up_to = fields.Integer(required=True, allow_none=True, metadata={"description": "feed seq"})


class ChangesQuerySchema(Schema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT64))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class TombstoneSchema(Schema):
    case_id = fields.String(required=True)
    seq = fields.Integer(required=True, metadata={"description": "position in the change feed"})
    reason = fields.String(required=True, metadata={"description": "the retention rule, e.g. `closed_90d`, "
                                                                   "`not_actionable_30d`, `no_report`"})


class ChangesSchema(Schema):
    cases = fields.List(fields.Nested(CaseSchema), required=True, metadata={"description": "cases changed since"})
    items = fields.List(fields.Nested(ItemSchema), required=True, metadata={"description": "items stored since"})
    deleted = fields.List(fields.Nested(TombstoneSchema), required=True,
                          metadata={"description": "cases deleted since by the retention policy: remove every "
                                                   "copy (ciphertext and decrypted)"})
    reads = fields.List(fields.Nested(ReadMarkSchema), required=True, metadata={"description": "read marks moved since"})
    cursor = fields.Integer(required=True, metadata={"description": "pass as since= to continue"})
    more = fields.Boolean(required=True)


class AssigneeUpdateSchema(Schema):
    # printable, no surrounding spaces: it is shown on every desk
    assignee = fields.String(required=True, allow_none=True,
                             validate=FullMatch(r"^[^\x00-\x1f\x7f\s](?:[^\x00-\x1f\x7f]{0,62}[^\x00-\x1f\x7f\s])?$",
                                                      error="1 to 64 printable characters, no surrounding spaces"))


class StatusUpdateSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
