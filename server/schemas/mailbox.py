"""JSON of the conversation: mailbox registration and login, the citizen's view of the mailbox,
read marks and live events (docs/conversation.md)."""

from marshmallow import Schema, fields, validate

from .common import HEX32, KINDS

SEQ = {"description": "the item's position in the case: 1, 2, 3… (not the operators' feed position)"}


class MailboxRegistrationSchema(Schema):
    id = fields.String(required=True, validate=HEX32, metadata={"description": "mailbox id from the receipt"})
    verify_key = fields.String(required=True, validate=validate.Length(min=44, max=44),
                               metadata={"description": "Ed25519 public key from the receipt, base64 (32 bytes)"})


class OpenCaseSchema(Schema):
    """Optional body of PUT /cases/{case_id}; phones without it still open cases."""

    mailbox = fields.Nested(MailboxRegistrationSchema)


class ChallengeRequestSchema(Schema):
    mailbox = fields.String(required=True, validate=HEX32)


class ChallengeSchema(Schema):
    challenge = fields.String(required=True, metadata={
        "description": "sign the UTF-8 bytes of \"tipline-mailbox-v1\\n\" + challenge with the receipt's Ed25519 key"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class SessionRequestSchema(Schema):
    mailbox = fields.String(required=True, validate=HEX32)
    challenge = fields.String(required=True, validate=validate.Length(min=1, max=200))
    signature = fields.String(required=True, validate=validate.Length(min=1, max=200),
                              metadata={"description": "Ed25519 signature, base64 (64 bytes)"})


class MailboxTokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "send as Authorization: Bearer <token>"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    case_id = fields.String(required=True)


class MailboxItemSchema(Schema):
    """What the server says of an item: unauthenticated (docs/envelope.md, section 15)."""

    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    part_index = fields.Integer(required=True)
    size = fields.Integer(required=True, metadata={"description": "envelope size in bytes (padded)"})
    sha256 = fields.String(required=True)
    received_at = fields.DateTime(required=True, metadata={"description": "rounded down to the server's time resolution"})
    seq = fields.Integer(required=True, metadata=SEQ)
    sender = fields.String(required=True, validate=validate.OneOf(["citizen", "police"]))


class MailboxSchema(Schema):
    case_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "the case's triage status"})
    revision = fields.Integer(required=True, metadata={"description": "pass as after= to GET /events/mailbox"})
    items = fields.List(fields.Nested(MailboxItemSchema), required=True)
    read_by_police_up_to = fields.Integer(required=True, allow_none=True, metadata=SEQ)
    read_by_citizen_up_to = fields.Integer(required=True, allow_none=True, metadata=SEQ)


class ReadRequestSchema(Schema):
    up_to = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**53),
                           metadata={"description": "the seq of the last item read"})


class CitizenReadSchema(Schema):
    read_by_citizen_up_to = fields.Integer(required=True, allow_none=True, metadata=SEQ)


class EventsQuerySchema(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**53))


class MailboxEventSchema(Schema):
    revision = fields.Integer(required=True, metadata={
        "description": "the mailbox's revision: different from after= when something changed"})


class OperatorEventSchema(Schema):
    seq = fields.Integer(required=True, metadata={
        "description": "the change feed's latest position: more than after= when something changed"})


class OperatorReadSchema(Schema):
    case_id = fields.String(required=True)
    read_by_police_up_to = fields.Integer(required=True, allow_none=True,
                                          metadata={"description": "feed seq of the last citizen item read"})
    unread_messages = fields.Integer(required=True)


class ReadMarkSchema(Schema):
    """A read mark in the operators' change feed."""

    case_id = fields.String(required=True)
    by = fields.String(attribute="reader", required=True, validate=validate.OneOf(["citizen", "police"]))
    up_to = fields.Integer(attribute="up_to_seq", required=True,
                           metadata={"description": "feed seq of the last item read"})
    seq = fields.Integer(attribute="change_seq", required=True, metadata={"description": "position in the change feed"})
