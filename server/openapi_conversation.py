"""The OpenAPI description of the conversation's routes (docs/conversation.md), merged into the
document by server.openapi: the mailbox, replies, read marks and live events, and what the
conversation adds to existing routes (the mailbox body of PUT /cases, the message limits)."""

from __future__ import annotations

from .schemas import mailbox as m

SCHEMAS = {  # nested schemas before those that nest them (apispec registers those itself)
    "MailboxRegistration": m.MailboxRegistrationSchema,
    "OpenCase": m.OpenCaseSchema,
    "ChallengeRequest": m.ChallengeRequestSchema,
    "Challenge": m.ChallengeSchema,
    "SessionRequest": m.SessionRequestSchema,
    "MailboxToken": m.MailboxTokenSchema,
    "MailboxItem": m.MailboxItemSchema,
    "Mailbox": m.MailboxSchema,
    "ReadRequest": m.ReadRequestSchema,
    "CitizenRead": m.CitizenReadSchema,
    "MailboxEvent": m.MailboxEventSchema,
    "OperatorEvent": m.OperatorEventSchema,
    "OperatorRead": m.OperatorReadSchema,
    "ReadMark": m.ReadMarkSchema,
}

MAILBOX_TOKEN = [{"mailboxToken": []}]
TOKEN_401 = (401, "missing, unknown or expired mailbox token (`invalid_token`): open the mailbox again")
AFTER = {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**53, "default": 0}}
RATE = (429, "too many messages in this case this hour (`rate_limited`, `Retry-After` header, "
             "`details.retry_after`)")
MESSAGE_413 = (413, "a message over its size limit (`message_too_large`)")


def operations(ok, errors, params, json, octets, digest_header, bad_id, no_case, unsupported, not_envelope,
               unauth) -> dict[str, dict[str, dict]]:
    case_item = params("case_id", "item_id")
    return {
        "/api/v1/mailbox/challenge": {
            "post": {"tags": ["mailbox"], "summary": "A fresh challenge for a mailbox (same answer for any id)",
                     "requestBody": {"required": True, "content": json("ChallengeRequest")},
                     "responses": {**ok(200, "Challenge", "sign it within expires_in seconds"),
                                   **errors(bad_id, unsupported)}},
        },
        "/api/v1/mailbox/session": {
            "post": {"tags": ["mailbox"], "summary": "Exchange a signed challenge for a mailbox token",
                     "requestBody": {"required": True, "content": json("SessionRequest")},
                     "responses": {**ok(201, "MailboxToken", "a token for this mailbox only"),
                                   **errors(bad_id, unsupported,
                                            (401, "any failure, the same answer: unknown mailbox, bad signature, "
                                                  "expired or replayed challenge (`mailbox_denied`)"))}},
            "delete": {"tags": ["mailbox"], "summary": "Revoke this mailbox token (quick exit)",
                       "security": MAILBOX_TOKEN,
                       "responses": {"204": {"description": "revoked"}, **errors(TOKEN_401)}},
        },
        "/api/v1/mailbox": {
            "get": {"tags": ["mailbox"], "summary": "The conversation's items, status, revision and read marks",
                    "security": MAILBOX_TOKEN,
                    "responses": {**ok(200, "Mailbox", "the mailbox"), **errors(TOKEN_401)}},
        },
        "/api/v1/mailbox/items/{item_id}": {
            "get": {"tags": ["mailbox"], "summary": "The ciphertext of one item of the mailbox's case (Range)",
                    "security": MAILBOX_TOKEN, "parameters": params("item_id"),
                    "responses": {"200": {"description": "the envelope", "content": octets},
                                  "206": {"description": "a byte range of the envelope", "content": octets},
                                  **errors(TOKEN_401, bad_id, (404, "`item_not_found`"),
                                           (416, "`range_not_satisfiable`"))}},
        },
        "/api/v1/mailbox/read": {
            "post": {"tags": ["mailbox"], "summary": "The citizen has read up to an item (moves forward only)",
                     "security": MAILBOX_TOKEN, "requestBody": {"required": True, "content": json("ReadRequest")},
                     "responses": {**ok(200, "CitizenRead", "the read mark"),
                                   **errors(TOKEN_401, bad_id, unsupported,
                                            (422, "no such item in the case (`bad_read_mark`)"))}},
        },
        "/api/v1/events/mailbox": {
            "get": {"tags": ["mailbox"], "summary": "Long poll: answers when the mailbox's revision differs from "
                                                    "`after`, or after a wait with the same one",
                    "security": MAILBOX_TOKEN, "parameters": [AFTER],
                    "responses": {**ok(200, "MailboxEvent", "the current revision"),
                                  **errors(TOKEN_401, (400, "`invalid_request`"))}},
        },
        "/api/operator/v1/cases/{case_id}/items/{item_id}": {
            "put": {"tags": ["operator"], "summary": "Store a reply (kind 4, part 0) or a reply's attachment "
                                                     "(kind 2, part 1024 and up)",
                    "parameters": case_item + [dict(digest_header, required=False)],
                    "requestBody": {"required": True, "content": octets},
                    "responses": {**ok(201, "ItemReceipt", "stored"), **ok(200, "ItemReceipt", "same bytes again"),
                                  **errors(unauth, bad_id, no_case,
                                           (409, "`no_mailbox` (the citizen could never read it), "
                                                 "`item_conflict`"),
                                           (411, "`length_required`"), (413, "`item_too_large`"), unsupported,
                                           (422, not_envelope[1] + ", `wrong_part`"))}},
        },
        "/api/operator/v1/cases/{case_id}/read": {
            "post": {"tags": ["operator"], "summary": "The police have read the citizen's messages up to an item",
                     "parameters": params("case_id"),
                     "requestBody": {"required": True, "content": json("ReadRequest")},
                     "responses": {**ok(200, "OperatorRead", "the read mark and unread count"),
                                   **errors(unauth, bad_id, no_case, unsupported,
                                            (422, "no such item in the case (`bad_read_mark`)"))}},
        },
        "/api/operator/v1/events/operator": {
            "get": {"tags": ["operator"], "summary": "Long poll: answers when the change feed moves past `after`",
                    "parameters": [AFTER],
                    "responses": {**ok(200, "OperatorEvent", "the feed's latest position"),
                                  **errors(unauth, (400, "`invalid_request`"))}},
        },
    }


def amend(ops: dict, json, errors) -> None:
    """What the conversation adds to routes described in server.openapi."""
    ops["/api/v1/cases/{case_id}"]["get"]["summary"] = ("What the server holds of a case from the citizen (the "
                                                         "police's replies are behind the mailbox login)")
    open_case = ops["/api/v1/cases/{case_id}"]["put"]
    open_case["requestBody"] = {"required": False, "content": json("OpenCase")}
    open_case["responses"].update(errors((409, "the case or the mailbox id has another mailbox "
                                               "(`mailbox_conflict`)")))
    for path, method in (("/api/v1/cases/{case_id}/items/{item_id}", "put"),
                         ("/api/v1/cases/{case_id}/uploads/{item_id}", "put"),
                         ("/api/v1/cases/{case_id}/uploads/{item_id}/complete", "post")):
        responses = ops[path][method]["responses"]
        responses.update(errors(RATE))
        if method == "put":
            responses["413"]["description"] += "; " + MESSAGE_413[1]
