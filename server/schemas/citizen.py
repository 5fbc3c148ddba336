from marshmallow import Schema, fields, validate

from ..ids import MAX_INT32, MAX_INT64
from .common import HEX64, ItemReceiptSchema


class KeyBundleSchema(Schema):
    """The signed key bundle, verbatim (docs/envelope.md, section 10)."""

    type = fields.String(required=True)
    version = fields.Integer(required=True)
    payload = fields.String(required=True, metadata={"description": "ASCII JSON, signed as is"})
    signature = fields.String(required=True, metadata={"description": "Ed25519 signature, base64"})
    signer = fields.String(required=True, metadata={"description": "key id of the root key, hex"})


class CitizenCaseSchema(Schema):
    case_id = fields.String(attribute="id", required=True)
    items = fields.List(fields.Nested(ItemReceiptSchema), required=True)


class UploadCreateSchema(Schema):
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_INT64),
                          metadata={"description": "total envelope size in bytes"})
    chunk_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_INT32),
                                metadata={"description": "size of every chunk but the last"})
    sha256 = fields.String(required=True, validate=HEX64, metadata={"description": "SHA-256 of the whole envelope"})
    header = fields.String(required=True, validate=validate.Length(min=1, max=4096),
                           metadata={"description": "the envelope header, base64: checked before any chunk"})


class UploadStateSchema(Schema):
    item_id = fields.String(required=True)
    case_id = fields.String(required=True)
    size = fields.Integer(required=True)
    chunk_size = fields.Integer(required=True)
    chunk_count = fields.Integer(required=True)
    received = fields.List(fields.Integer(), required=True, metadata={"description": "chunk indexes the server holds"})
    complete = fields.Boolean(required=True)
    item = fields.Nested(ItemReceiptSchema, allow_none=True)


class ChunkReceiptSchema(Schema):
    index = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    new = fields.Boolean(required=True, metadata={"description": "false when the server already held this chunk"})
