"""The OpenAPI 3.1 document of the whole API, made from the marshmallow schemas.

docs/openapi.json is this document, committed; tests/server/test_openapi.py checks that it is
current and that every route of the app is described (and nothing else).
"""

from __future__ import annotations

import json

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import openapi_conversation as conversation
from .config import Settings
from .ids import MAX_INT32
from .schemas import citizen as c
from .schemas import audit as au
from .schemas import common as cm
from .schemas import operator as o
from .schemas import pow as pw

ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
OCTETS = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
DIGEST_HEADER = {
    "name": "Content-Digest",
    "in": "header",
    "description": "RFC 9530: `sha-256=:<base64 of the 32-byte SHA-256 of the body>:` (other algorithms may "
                   "be listed too, comma-separated; the sha-256 one is checked). Example: "
                   "`sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:` (the empty body)",
    "schema": {"type": "string", "pattern": "^sha-256=:[A-Za-z0-9+/]{43}=:$"},
}
DEFAULTS = Settings.__dataclass_fields__
MIN_CHUNK = DEFAULTS["min_chunk_bytes"].default
MAX_CHUNK = DEFAULTS["max_chunk_bytes"].default
MAX_DIRECT = DEFAULTS["max_direct_put_bytes"].default
INDEX = {"name": "index", "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_INT32},
         "description": "chunk number, from 0 to chunk_count - 1"}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}}

SCHEMAS = {
    "Error": cm.ErrorSchema,
    "ItemReceipt": cm.ItemReceiptSchema,
    "Health": cm.HealthSchema,
    "KeyBundle": c.KeyBundleSchema,
    "CitizenCase": c.CitizenCaseSchema,
    "UploadCreate": c.UploadCreateSchema,
    "UploadState": c.UploadStateSchema,
    "ChunkReceipt": c.ChunkReceiptSchema,
    "PowChallenge": pw.PowChallengeSchema,
    "Login": o.LoginSchema,
    "Operator": o.OperatorSchema,
    "Token": o.TokenSchema,
    "Item": o.ItemSchema,
    "Case": o.CaseSchema,
    "CaseDetail": o.CaseDetailSchema,
    "Tombstone": o.TombstoneSchema,
    "Changes": o.ChangesSchema,
    "StatusUpdate": o.StatusUpdateSchema,
    "AssigneeUpdate": o.AssigneeUpdateSchema,
    "AuditTrail": au.AuditTrailSchema,
    "DeskAction": au.DeskActionSchema,
}


def _json(schema: str) -> dict:
    return {"application/json": {"schema": schema}}


def _ok(status: int, schema: str | None, description: str) -> dict:
    out = {"description": description}
    if schema:
        out["content"] = _json(schema)
    return {str(status): out}


def _errors(*codes: tuple[int, str]) -> dict:
    out = {}
    for status, text in codes:
        out[str(status)] = {"description": text, "content": _json("Error")}
        if status in (503, 507):
            out[str(status)]["headers"] = RETRY_AFTER
    return out


def _params(*names: str) -> list[dict]:
    return [{"name": n, "in": "path", "required": True, "schema": ID} for n in names]


BAD_ID = (400, "malformed id, JSON or body (`bad_id`, `bad_json`, `json_too_deep`, `invalid_request`, "
               "`truncated_body`, `bad_request`)")
BAD_INDEX = (400, "malformed id or chunk index (`bad_id`, `bad_index`, `bad_digest_header`, `digest_required`, "
                  "`truncated_body`, `bad_request`)")
NO_CASE = (404, "no such case (`case_not_found`)")
UNSUPPORTED = (415, "wrong Content-Type (`unsupported_media_type`)")
NOT_ENVELOPE = (422, "not a well-formed envelope for this case (`not_an_envelope` with `details.reason`, "
                     "`wrong_case`, `id_mismatch`, `wrong_kind`, `digest_mismatch`)")
POW_HEADER = {
    "name": "X-Tipline-Pow",
    "in": "header",
    "required": False,
    "description": "a proof of work (docs/api.md, \"Proof of work\"): base64 of ALTCHA's JSON payload "
                   "`{algorithm, challenge, number, salt, signature}`, for a challenge from `GET /api/v1/pow`",
    "schema": {"type": "string", "maxLength": 1024},
}
POW_REQUIRED = (428, "this request needs a proof of work and carries none (`pow_required`, `details.purpose`, "
                     "`details.size`: what to ask `GET /api/v1/pow` for)")
POW_INVALID = (403, "the proof of work does not hold (`pow_invalid`, `details.reason`: `malformed`, `wrong_number`, "
                    "`signature`, `expired`, `spent`, `purpose`, `size`): solve a new challenge")
UNAUTH = (401, "missing, unknown or expired token (`unauthorized`, `invalid_token`)")
TOO_LARGE_JSON = (413, "JSON body over its limit (`too_large`)")
LENGTH = (411, "Content-Length required (`length_required`)")
# Every route that reads the database may find it unreachable or too busy for a while.
UNAVAILABLE = (503, "the database is unreachable or busy (`unavailable`): retry after `Retry-After` seconds")
# Every route that stores anything refuses before the disk fills (docs/operations.md, "Storage").
FULL = (507, "storage budget reached or disk nearly full (`insufficient_storage`): nothing was stored; "
             "retry after `Retry-After` seconds")


def _operations() -> dict[str, dict[str, dict]]:
    case_item = _params("case_id", "item_id")
    return {
        "/api/v1/key-bundle": {
            "get": {"tags": ["citizen"], "summary": "The signed key bundle phones encrypt to",
                    "responses": {**_ok(200, "KeyBundle", "the bundle, verbatim"),
                                  **_errors((503, "no valid bundle installed (`no_key_bundle`)"))}},
        },
        "/api/v1/pow": {
            "get": {"tags": ["citizen"], "summary": "A proof-of-work challenge (ALTCHA) for a new case or an item",
                    "parameters": [
                        {"name": "purpose", "in": "query", "required": True,
                         "schema": {"type": "string", "enum": ["case", "upload"]}},
                        {"name": "size", "in": "query", "required": False,
                         "description": "for `upload`: the envelope's size in bytes (the work grows with it)",
                         "schema": {"type": "integer", "minimum": 0, "maximum": 2**62, "default": 0}}],
                    "responses": {**_ok(200, "PowChallenge", "a challenge, valid until the salt's `expires`"),
                                  **_errors((400, "bad purpose or size (`invalid_request`)"),
                                            (404, "this server asks for no work (`pow_disabled`)"), UNAVAILABLE)}},
        },
        "/api/v1/cases/{case_id}": {
            "put": {"tags": ["citizen"], "summary": "Open a case (idempotent; a new case needs a proof of work)",
                    "parameters": _params("case_id") + [POW_HEADER],
                    "responses": {**_ok(201, "CitizenCase", "opened"), **_ok(200, "CitizenCase", "already open"),
                                  **_errors(BAD_ID, POW_INVALID, POW_REQUIRED, UNAVAILABLE, FULL)}},
            "get": {"tags": ["citizen"], "summary": "What the server holds of a case",
                    "parameters": _params("case_id"),
                    "responses": {**_ok(200, "CitizenCase", "the case's item receipts"),
                                  **_errors(BAD_ID, NO_CASE, UNAVAILABLE)}},
        },
        "/api/v1/cases/{case_id}/items/{item_id}": {
            "put": {"tags": ["citizen"], "summary": "Store a whole envelope under its id (idempotent)",
                    "description": f"The body is the whole envelope, at most {MAX_DIRECT} bytes by default "
                                   "(`TIPLINE_MAX_DIRECT_PUT_BYTES`); larger ones go through a resumable upload.",
                    "parameters": case_item + [dict(DIGEST_HEADER, required=False), POW_HEADER],
                    "requestBody": {"required": True, "content": OCTETS},
                    "responses": {**_ok(201, "ItemReceipt", "stored"), **_ok(200, "ItemReceipt", "same bytes again"),
                                  **_errors((400, "`bad_id`, `bad_digest_header`, `truncated_body`, `bad_request`"),
                                            NO_CASE, POW_INVALID, POW_REQUIRED,
                                            (409, "other bytes under this id (`item_conflict`), part already "
                                                  "filled (`slot_taken`), `upload_in_progress`, `too_many_items`"),
                                            LENGTH,
                                            (413, "over a size limit (`item_too_large`, `case_too_large`, "
                                                  "`too_large`)"),
                                            UNSUPPORTED, NOT_ENVELOPE, UNAVAILABLE, FULL)}},
        },
        "/api/v1/cases/{case_id}/uploads/{item_id}": {
            "put": {"tags": ["citizen"], "summary": "Start or find again a resumable upload",
                    "description": f"Every chunk but the last is `chunk_size` bytes: at least {MIN_CHUNK} "
                                   f"(`TIPLINE_MIN_CHUNK_BYTES`) unless one chunk holds the whole envelope, at most "
                                   f"{MAX_CHUNK} (`TIPLINE_MAX_CHUNK_BYTES`); anything else is `400 bad_chunk_size`.",
                    "parameters": case_item + [POW_HEADER],
                    "requestBody": {"required": True, "content": _json("UploadCreate")},
                    "responses": {**_ok(201, "UploadState", "created"), **_ok(200, "UploadState", "already known"),
                                  **_errors((400, BAD_ID[1] + ", `bad_chunk_size`"), NO_CASE, POW_INVALID, POW_REQUIRED,
                                            (409, "`upload_conflict`, `item_conflict`, `slot_taken`, "
                                                  "`too_many_items`, `too_many_uploads`"),
                                            (413, "`item_too_large`, `case_too_large`, `too_large`"),
                                            UNSUPPORTED, NOT_ENVELOPE, UNAVAILABLE, FULL)}},
            "get": {"tags": ["citizen"], "summary": "Which chunks the server holds", "parameters": case_item,
                    "responses": {**_ok(200, "UploadState", "state"),
                                  **_errors(BAD_ID, (404, "`case_not_found`, `upload_not_found`"), UNAVAILABLE)}},
            "delete": {"tags": ["citizen"], "summary": "Abort an upload", "parameters": case_item,
                       "responses": {"204": {"description": "aborted"},
                                     **_errors(BAD_ID, (404, "`upload_not_found`"),
                                               (409, "already complete (`already_complete`)"), UNAVAILABLE)}},
        },
        "/api/v1/cases/{case_id}/uploads/{item_id}/chunks/{index}": {
            "put": {"tags": ["citizen"], "summary": "Store one chunk (idempotent)",
                    "description": "The body is exactly `chunk_size` bytes (the last chunk: the rest of the "
                                   "envelope). A chunk the server already holds with the same digest answers 200 "
                                   "without storing anything.",
                    "parameters": case_item + [INDEX, dict(DIGEST_HEADER, required=True)],
                    "requestBody": {"required": True, "content": OCTETS},
                    "responses": {**_ok(201, "ChunkReceipt", "stored"), **_ok(200, "ChunkReceipt", "already held"),
                                  **_errors(BAD_INDEX, (404, "`upload_not_found`"),
                                            (409, "other bytes for this chunk (`chunk_conflict`), "
                                                  "`already_complete`"),
                                            LENGTH, (413, "`chunk_too_large`, `too_large`"), UNSUPPORTED,
                                            (422, "`bad_chunk_index`, `bad_chunk_length`, `digest_mismatch`, "
                                                  "`header_mismatch`"), UNAVAILABLE, FULL)}},
        },
        "/api/v1/cases/{case_id}/uploads/{item_id}/complete": {
            "post": {"tags": ["citizen"], "summary": "Assemble the chunks into the stored item (idempotent)",
                     "parameters": case_item,
                     "responses": {**_ok(200, "UploadState", "complete; `item` is the receipt"),
                                   **_errors(BAD_ID, (404, "`case_not_found`, `upload_not_found`"),
                                             (409, "chunks missing (`upload_incomplete`, `details.missing`), "
                                                   "`item_conflict`, `slot_taken`, `too_many_items`"),
                                             (413, "`case_too_large`"),
                                             (422, "`sha256_mismatch`"), UNAVAILABLE, FULL)}},
        },
        "/api/operator/v1/session": {
            "post": {"tags": ["operator"], "summary": "Log in", "security": [],
                     "requestBody": {"required": True, "content": _json("Login")},
                     "responses": {**_ok(201, "Token", "a bearer token"),
                                   **_errors(BAD_ID, (401, "`invalid_credentials` (password, code or username)"),
                                             TOO_LARGE_JSON,
                                             (429, "`slow_down` after repeated failures for this username: retry "
                                                   "after `Retry-After` seconds"), UNSUPPORTED, UNAVAILABLE)}},
            "delete": {"tags": ["operator"], "summary": "Log out (revoke this token)",
                       "responses": {"204": {"description": "revoked"}, **_errors(UNAUTH, UNAVAILABLE)}},
        },
        "/api/operator/v1/whoami": {
            "get": {"tags": ["operator"], "summary": "The operator a token belongs to",
                    "responses": {**_ok(200, "Operator", "operator"), **_errors(UNAUTH, UNAVAILABLE)}},
        },
        "/api/operator/v1/changes": {
            "get": {"tags": ["operator"], "summary": "Cases changed and items stored since a cursor",
                    "parameters": [
                        {"name": "since", "in": "query",
                         "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1, "default": 0}},
                        {"name": "limit", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}}],
                    "responses": {**_ok(200, "Changes", "a page of the feed"),
                                  **_errors(UNAUTH, (400, "`invalid_request`"), UNAVAILABLE)}},
        },
        "/api/operator/v1/cases/{case_id}": {
            "get": {"tags": ["operator"], "summary": "A case and its items", "parameters": _params("case_id"),
                    "responses": {**_ok(200, "CaseDetail", "the case"),
                                  **_errors(UNAUTH, BAD_ID, NO_CASE, UNAVAILABLE)}},
        },
        "/api/operator/v1/cases/{case_id}/status": {
            "put": {"tags": ["operator"], "summary": "Set a case's triage status", "parameters": _params("case_id"),
                    "requestBody": {"required": True, "content": _json("StatusUpdate")},
                    "responses": {**_ok(200, "CaseDetail", "the case"),
                                  **_errors(UNAUTH, BAD_ID, NO_CASE, TOO_LARGE_JSON, UNSUPPORTED, UNAVAILABLE,
                                            FULL)}},
        },
        "/api/operator/v1/cases/{case_id}/assignee": {
            "put": {"tags": ["operator"], "summary": "Assign a case to an officer (null: to nobody)",
                    "parameters": _params("case_id"),
                    "requestBody": {"required": True, "content": _json("AssigneeUpdate")},
                    "responses": {**_ok(200, "CaseDetail", "the case"),
                                  **_errors(UNAUTH, BAD_ID, NO_CASE, (400, "`invalid_request`"), TOO_LARGE_JSON,
                                            UNSUPPORTED, UNAVAILABLE, FULL)}},
        },
        "/api/operator/v1/cases/{case_id}/audit": {
            "get": {"tags": ["operator"], "summary": "The case's audit trail: who did what, oldest first",
                    "parameters": _params("case_id"),
                    "responses": {**_ok(200, "AuditTrail", "the case's entries"),
                                  **_errors(UNAUTH, BAD_ID, NO_CASE, UNAVAILABLE)}},
            "post": {"tags": ["operator"], "summary": "Record what a desk did with the case (an export)",
                     "parameters": _params("case_id"),
                     "requestBody": {"required": True, "content": _json("DeskAction")},
                     "responses": {**_ok(201, "AuditEntry", "the entry written"),
                                   **_errors(UNAUTH, BAD_ID, NO_CASE, (400, "`invalid_request`"), TOO_LARGE_JSON,
                                             UNSUPPORTED, UNAVAILABLE, FULL)}},
        },
        "/api/operator/v1/items/{item_id}/content": {
            "get": {"tags": ["operator"], "summary": "An item's ciphertext (Range requests supported)",
                    "parameters": _params("item_id"),
                    "responses": {"200": {"description": "the envelope", "content": OCTETS},
                                  "206": {"description": "a byte range of the envelope", "content": OCTETS},
                                  "304": {"description": "not modified (If-None-Match matched the ETag)"},
                                  **_errors(UNAUTH, BAD_ID, (404, "`item_not_found`"),
                                            (416, "`range_not_satisfiable`"), UNAVAILABLE)}},
        },
        "/api/healthz": {
            "get": {"tags": ["meta"], "summary": "Liveness, database reachability and room to store",
                    "security": [],
                    "responses": {**_ok(200, "Health", "`ok`, or `degraded` when storage is low (new uploads get "
                                                       "507 until room is made)"),
                                  **_errors((503, "database unreachable (`unhealthy`)"))}},
        },
        "/api/openapi.json": {
            "get": {"tags": ["meta"], "summary": "This document", "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}},
        },
    }


def _all_operations() -> dict[str, dict[str, dict]]:
    ops = _operations()
    conversation.amend(ops, _json, _errors)
    ops.update(conversation.operations(_ok, _errors, _params, _json, OCTETS, DIGEST_HEADER, BAD_ID, NO_CASE,
                                       UNSUPPORTED, NOT_ENVELOPE, UNAUTH))
    return ops


def build_spec() -> dict:
    spec = APISpec(
        title="Tip line API",
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": "Citizen API (anonymous, ciphertext only) and operator API (bearer tokens). "
                             "Every error is JSON {error, message[, details]}. Envelopes: docs/envelope.md."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("mailboxToken", {"type": "http", "scheme": "bearer",
                                                     "description": "POST /api/v1/mailbox/session"})
    for name, schema in {**conversation.SCHEMAS, **SCHEMAS}.items():
        spec.components.schema(name, schema=schema)
    for path, operations in _all_operations().items():
        for method, op in operations.items():
            if path.startswith("/api/operator/") and "security" not in op:
                op["security"] = [{"bearer": []}]
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def render() -> str:
    return json.dumps(build_spec(), indent=2, sort_keys=True) + "\n"
