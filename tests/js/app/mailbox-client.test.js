// The mailbox client against an in-memory server that behaves as docs/conversation.md says:
// one-use challenges, a signature checked with the registered key, tokens that expire, the same
// 401 for every refusal, long polls. The signature is real Ed25519 (libsodium).
import { beforeAll, describe, expect, it } from "vitest";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { MailboxClient, MailboxDenied, MailboxUnreachable } from "../../../pwa/src/app/mailbox/client.js";
import { buildThread } from "../../../pwa/src/app/mailbox/thread.js";

let s;
beforeAll(async () => {
  s = await sodium();
});

const json = (status, body, headers = {}) => new Response(JSON.stringify(body),
  { status, headers: { "Content-Type": "application/json", ...headers } });
const denied = () => json(401, { error: "mailbox_denied", message: "no" });

/** A mailbox server: `mailboxes` id -> {verifyKey, caseId, items, revision}. */
function mailboxServer(clock) {
  const server = { mailboxes: new Map(), challenges: new Set(), used: new Set(), tokens: new Map(), requests: [],
    down: false, tokenMs: 15 * 60_000, reads: [] };
  server.fetch = async (url, init = {}) => {
    const { pathname, searchParams } = new URL(url, "http://phone.test");
    server.requests.push({ method: init.method, path: pathname, headers: init.headers, body: init.body,
      credentials: init.credentials, referrerPolicy: init.referrerPolicy });
    if (server.down) throw new TypeError("Failed to fetch");
    const body = init.body ? JSON.parse(init.body) : null;
    if (pathname === "/api/v1/mailbox/challenge") {
      const challenge = `${body.mailbox}.${Math.random().toString(36).slice(2)}`;
      server.challenges.add(challenge);
      return json(200, { challenge, expires_in: 60 });
    }
    if (pathname === "/api/v1/mailbox/session") {
      const box = server.mailboxes.get(body.mailbox);
      const fresh = server.challenges.has(body.challenge) && !server.used.has(body.challenge) &&
        body.challenge.startsWith(`${body.mailbox}.`);
      server.used.add(body.challenge);
      if (!box || !fresh) return denied();
      const ok = s.crypto_sign_verify_detached(s.from_base64(body.signature, s.base64_variants.ORIGINAL),
        s.from_string(`tipline-mailbox-v1\n${body.challenge}`), box.verifyKey);
      if (!ok) return denied();
      const token = Math.random().toString(36).slice(2);
      server.tokens.set(token, { mailbox: body.mailbox, until: clock.now() + server.tokenMs });
      return json(200, { token, expires_in: server.tokenMs / 1000, case_id: box.caseId });
    }
    const auth = /^Bearer (.+)$/.exec(init.headers?.Authorization ?? "");
    const session = auth && server.tokens.get(auth[1]);
    if (!session || session.until < clock.now()) return denied();
    const box = server.mailboxes.get(session.mailbox);
    if (pathname === "/api/v1/mailbox") {
      return json(200, { case_id: box.caseId, status: box.status ?? "new", revision: box.revision,
        read_by_police_up_to: box.policeRead ?? null,
        items: box.items.map(({ id, kind, seq }) => ({ id, kind, seq, size: 4096, sha256: "0".repeat(64),
          received_at: "2026-12-02T11:00:00Z" })) });
    }
    const item = /^\/api\/v1\/mailbox\/items\/(\w+)$/.exec(pathname);
    if (item) {
      const found = box.items.find((i) => i.id === item[1]);
      return found ? new Response(found.bytes, { status: 200, headers: { "Content-Type": "application/octet-stream" } })
        : json(404, { error: "item_not_found", message: "no" });
    }
    if (pathname === "/api/v1/mailbox/read") {
      server.reads.push(body.up_to);
      return json(200, { up_to: body.up_to });
    }
    if (pathname === "/api/v1/events/mailbox") {
      const after = Number(searchParams.get("after"));
      if (box.revision > after) return json(200, { revision: box.revision });
      await new Promise((resolve) => {
        box.wake = resolve;
        init.signal?.addEventListener("abort", resolve);
      });
      if (init.signal?.aborted) throw new DOMException("aborted", "AbortError");
      return json(200, { revision: box.revision });
    }
    return json(404, { error: "not_found", message: "no" });
  };
  return server;
}

const hex = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");

function setUp() {
  let t = Date.parse("2026-12-02T11:00:00Z");
  const clock = { now: () => t, advance: (ms) => { t += ms; } };
  const server = mailboxServer(clock);
  const { publicKey, privateKey } = s.crypto_sign_keypair();
  const mailboxId = hex(16);
  const caseId = hex(16);
  server.mailboxes.set(mailboxId, { verifyKey: publicKey, caseId, revision: 3, items: [
    { id: hex(16), kind: 1, seq: 1, bytes: new Uint8Array([1]) },
    { id: hex(16), kind: 4, seq: 2, bytes: new Uint8Array([2, 2]) },
  ] });
  const sign = async (challenge) => s.to_base64(s.crypto_sign_detached(s.from_string(`tipline-mailbox-v1\n${challenge}`),
    privateKey), s.base64_variants.ORIGINAL);
  const client = new MailboxClient({ mailboxId, sign, fetchFn: server.fetch, now: clock.now });
  return { clock, server, client, mailboxId, caseId, privateKey };
}

describe("mailbox client", () => {
  it("signs in, lists, fetches ciphertext and marks read, with no credential but the token", async () => {
    const { server, client, caseId, mailboxId } = setUp();
    expect(await client.signIn()).toBe(caseId);
    const listing = await client.list();
    expect(listing).toMatchObject({ caseId, status: "new", revision: 3, readByPoliceUpTo: null });
    expect(listing.items.map((i) => [i.kind, i.seq])).toEqual([[1, 1], [4, 2]]);
    expect([...(await client.item(listing.items[1].id))]).toEqual([2, 2]);
    await client.markRead(2);
    expect(server.reads).toEqual([2]);
    expect(server.requests.every((r) => r.credentials === "omit" && r.referrerPolicy === "no-referrer")).toBe(true);
    // the receipt's secrets never travel: only the mailbox id, the challenge and its signature
    const session = server.requests.find((r) => r.path.endsWith("/session"));
    expect(Object.keys(JSON.parse(session.body)).sort()).toEqual(["challenge", "mailbox", "signature"]);
    expect(JSON.parse(session.body).mailbox).toBe(mailboxId);
  });

  it("gives the same refusal for an unknown mailbox and for a wrong key", async () => {
    const { server, client } = setUp();
    const unknown = new MailboxClient({ mailboxId: hex(16), sign: client.sign, fetchFn: server.fetch });
    await expect(unknown.signIn()).rejects.toBeInstanceOf(MailboxDenied);
    const wrongKey = s.crypto_sign_keypair().privateKey;
    const impostor = new MailboxClient({ mailboxId: client.mailboxId, fetchFn: server.fetch,
      sign: async (c) => s.to_base64(s.crypto_sign_detached(s.from_string(`tipline-mailbox-v1\n${c}`), wrongKey),
        s.base64_variants.ORIGINAL) });
    await expect(impostor.signIn()).rejects.toBeInstanceOf(MailboxDenied);
  });

  it("signs in again when the token expired, and says 'unreachable' without a network", async () => {
    const { server, client, clock } = setUp();
    await client.list();
    const sessions = () => server.requests.filter((r) => r.path.endsWith("/session")).length;
    expect(sessions()).toBe(1);
    clock.advance(16 * 60_000);
    await client.list();
    expect(sessions()).toBe(2);
    // a token the server forgot (restart) is renewed on its 401 too
    server.tokens.clear();
    await client.list();
    expect(sessions()).toBe(3);
    server.down = true;
    await expect(client.list()).rejects.toBeInstanceOf(MailboxUnreachable);
    client.forget();
    expect(client.token).toBe(null);
  });

  it("long polls until the revision moves, and can be stopped", async () => {
    const { server, client, mailboxId } = setUp();
    await client.signIn();
    expect(await client.waitForChange(2)).toBe(3); // already past: at once
    const waiting = client.waitForChange(3);
    await new Promise((r) => setTimeout(r, 20));
    const box = server.mailboxes.get(mailboxId);
    box.revision = 4;
    box.wake();
    expect(await waiting).toBe(4);
    const controller = new AbortController();
    const stopped = client.waitForChange(4, controller.signal);
    controller.abort();
    await expect(stopped).rejects.toThrow();
    const poll = server.requests.filter((r) => r.path === "/api/v1/events/mailbox");
    expect(poll.every((r) => /^Bearer /.test(r.headers.Authorization))).toBe(true);
  });
});

describe("the thread", () => {
  const listing = (items, readByPoliceUpTo = null) => ({ caseId: "c", status: "in_progress", revision: 1, readByPoliceUpTo,
    items });

  it("orders messages by arrival, says their state, counts unread replies and leaves out unreadable ones", () => {
    const opened = new Map([
      ["r1", { ok: true, kind: "report", report: null }],
      ["m1", { ok: true, kind: "message", text: "précision", writtenAt: "2026-12-02T10:05Z", attachments: [] }],
      ["p1", { ok: true, kind: "reply", text: "Quelle entrée ?", writtenAt: "2026-12-02T10:30Z", attachments: [],
        author: "Agent 12" }],
      ["p2", { ok: true, kind: "reply", text: "Merci", writtenAt: "2026-12-02T11:00Z", attachments: [] }],
      ["bad", { ok: false, code: "listing_mismatch" }],
    ]);
    const thread = buildThread({
      listing: listing([{ id: "r1", kind: 1, seq: 1, receivedAt: "2026-12-02T10:00:00Z" }, { id: "m1", kind: 3, seq: 3 },
        { id: "p1", kind: 4, seq: 4 }, { id: "bad", kind: 4, seq: 5 }, { id: "p2", kind: 4, seq: 6 }], 3),
      opened,
      local: [{ itemId: "q1", state: "queued", wait: "network", files: [{ itemId: "f1", state: "queued", size: 9000 }] },
        { itemId: "m1", state: "delivered", files: [] }, { itemId: "d1", state: "draft", files: [] }],
      localOpened: new Map([["q1", { ok: true, text: "la B", writtenAt: "2026-12-02T11:02Z", attachments: [] }]]),
      readUpTo: 4,
    });
    expect(thread.entries.map((e) => [e.id, e.from, e.state])).toEqual([
      ["m1", "citizen", "read"], ["p1", "police", "received"], ["p2", "police", "received"], ["q1", "citizen", "queued"]]);
    expect(thread.entries.find((e) => e.id === "p1")).toMatchObject({ author: "Agent 12", unread: false });
    expect(thread.entries.find((e) => e.id === "p2").unread).toBe(true);
    expect(thread.entries.at(-1).files).toEqual([{ itemId: "f1", state: "queued", size: 9000 }]);
    expect(thread.unread).toBe(1);
    expect(thread.unreadable).toBe(1);
    expect(thread.lastReplySeq).toBe(6);
    expect(thread.report).toEqual({ id: "r1", receivedAt: "2026-12-02T10:00:00Z", summary: null });
  });

  it("a message the police have not read yet is 'sent'; one refused says so", () => {
    const thread = buildThread({
      listing: listing([{ id: "m1", kind: 3, seq: 2 }], 1),
      opened: new Map([["m1", { ok: true, text: "a", writtenAt: null, attachments: [] }]]),
      local: [{ itemId: "x", state: "failed", error: "message_too_large", files: [] }],
    });
    expect(thread.entries.map((e) => e.state)).toEqual(["sent", "refused"]);
    expect(thread.entries[1].error).toBe("message_too_large");
  });
});
