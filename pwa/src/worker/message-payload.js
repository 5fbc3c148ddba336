// The JSON payload of a message (kind 3) or reply (kind 4), docs/conversation.md:
//   {"v": 1, "type": "message"|"reply", "text", "written_at": "YYYY-MM-DDTHH:MMZ",
//    "attachments": [manifest entries], "author"?}
// Built by the phone for its messages, read for both. The time is the sender's clock to the
// minute: the server never sees it (it keeps the hour of arrival only).
export const MAX_TEXT = 20_000; // characters: a message is a few lines, the server caps its size anyway

export class PayloadError extends Error {
  constructor(message) {
    super(message);
    this.code = "payload_invalid";
  }
}

/** "2026-12-02T11:07Z": UTC, to the minute. */
export function minuteStamp(date = new Date()) {
  return date.toISOString().slice(0, 16) + "Z";
}

export function buildMessagePayload({ text = "", attachments = [], writtenAt = minuteStamp() }) {
  const clean = String(text ?? "").normalize("NFC").trim();
  if (!clean && attachments.length === 0) throw new PayloadError("a message needs text or a file");
  if ([...clean].length > MAX_TEXT) throw new PayloadError(`a message is at most ${MAX_TEXT} characters`);
  const body = { v: 1, type: "message", text: clean, written_at: writtenAt, attachments };
  return new TextEncoder().encode(JSON.stringify(body));
}

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/;

/** Check and read an opened payload; `expected` is the kind its header names ("message"/"reply"). */
export function readConversationPayload(content, expected) {
  let body;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
  } catch {
    throw new PayloadError("not UTF-8 JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new PayloadError("not an object");
  if (body.v !== 1 || body.type !== expected) throw new PayloadError(`not a ${expected}`);
  if (typeof body.text !== "string") throw new PayloadError("text must be a string");
  const attachments = Array.isArray(body.attachments) ? body.attachments.filter((a) => a && typeof a === "object")
    .map((a) => ({ part: a.part, name: typeof a.name === "string" ? a.name : "", mediaType: String(a.media_type ?? ""),
      length: Number.isSafeInteger(a.length) ? a.length : 0 })) : [];
  return {
    kind: expected,
    text: body.text.slice(0, MAX_TEXT),
    writtenAt: typeof body.written_at === "string" && STAMP.test(body.written_at) ? body.written_at : null,
    attachments,
    author: expected === "reply" && typeof body.author === "string" ? body.author.slice(0, 80) : null,
  };
}
