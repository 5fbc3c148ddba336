"""Proof of work: the challenge a client asks for, and the solution it sends back (ALTCHA's
JSON, base64 in the ``X-Tipline-Pow`` header)."""

from marshmallow import Schema, fields, validate

from .common import HEX64, FullMatch

MAX_NUMBER = 2**53 - 1  # what a phone's JavaScript counts exactly


class PowQuerySchema(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(("case", "upload")),
                            metadata={"description": "`case`: opening a new case; `upload`: storing an item"})
    size = fields.Integer(load_default=0, strict=False, validate=validate.Range(min=0, max=2**62),
                          metadata={"description": "for `upload`, the envelope's size in bytes"})


class PowChallengeSchema(Schema):
    algorithm = fields.String(required=True, metadata={"description": "always `SHA-256`"})
    challenge = fields.String(required=True, metadata={"description": "SHA-256(salt + number), hex"})
    maxnumber = fields.Integer(required=True, metadata={"description": "the number lies in [0, maxnumber]"})
    salt = fields.String(required=True, metadata={
        "description": "random hex, then `?expires=<unix>&purpose=…&size=…&`: hashed as is"})
    signature = fields.String(required=True, metadata={"description": "HMAC-SHA-256 of the challenge, hex"})


class PowPayloadSchema(Schema):
    """The solution: the challenge as issued plus the number found."""

    algorithm = fields.String(required=True, validate=validate.Length(max=16))
    challenge = fields.String(required=True, validate=HEX64)
    number = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_NUMBER))
    salt = fields.String(required=True, validate=[validate.Length(max=200),
                                                  FullMatch(r"^[0-9a-f]{8,64}\?[A-Za-z0-9=&_.-]+$")])
    signature = fields.String(required=True, validate=HEX64)

    class Meta:
        unknown = "exclude"  # ALTCHA's widget may add fields (`took`): they do not matter here
