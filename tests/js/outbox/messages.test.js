// Citizen messages through the outbox (docs/conversation.md): queued with their files in one
// transaction, a delivered case queued again, the files announced before their message, the
// mailbox registered when a case opens, and the server's answers about messages classified.
import { beforeEach, describe, expect, it } from "vitest";
import { classify, WAIT } from "../../../pwa/src/outbox/classify.js";
import { openOutbox } from "../../../pwa/src/outbox/db.js";
import { deliver, resetDeliveryMemory } from "../../../pwa/src/outbox/deliver.js";
import { caseView, itemView, refusalKey } from "../../../pwa/src/outbox/status.js";
import { cleanUp, draftLockName, putCase, queueCase, queueMessage, STATES } from "../../../pwa/src/outbox/store.js";
import { fakeServer, serverError } from "./fake-server.js";
import { hex, manualClock, newCase, noLocks, report, storeItem } from "./helpers.js";

let db;
let clock;

beforeEach(async () => {
  db = await openOutbox(`test-${hex(4)}`);
  clock = manualClock();
  resetDeliveryMemory();
});

const run = (server, options = {}) => deliver({ fetchFn: server.fetch, db, locks: noLocks, now: clock.now,
  random: () => 0.5, ...options });
const MAILBOX = { id: "ab".repeat(16), verify_key: "A".repeat(43) + "=" };

/** A report case, sent and delivered, with its mailbox on record (as Draft.send leaves it). */
async function deliveredCase(server) {
  const { caseId } = await newCase(db, [report()]);
  await putCase({ ...(await db.get("cases", caseId)), mailbox: MAILBOX }, db);
  await queueCase(caseId, db);
  expect((await run(server)).status).toBe("done");
  expect((await db.get("cases", caseId)).state).toBe(STATES.DELIVERED);
  return caseId;
}

/** A message and `files` sealed into the outbox as drafts (as the worker leaves them). */
async function draftMessage(caseId, files = []) {
  const message = (await storeItem(db, caseId, { size: 5000, kind: "message", part: 0 })).item;
  const stored = [];
  for (const size of files) stored.push((await storeItem(db, caseId, { size, kind: "attachment", part: 1024 + size })).item);
  return { message, files: stored };
}

describe("messages in the outbox", () => {
  it("opening a case registers its mailbox", async () => {
    const server = fakeServer();
    const bodies = [];
    server.rules.push((method, path, init) => {
      if (method === "PUT" && /^\/api\/v1\/cases\/\w+$/.test(path)) bodies.push({ body: init.body, type: init.headers?.["Content-Type"] });
    });
    await deliveredCase(server);
    expect(bodies).toEqual([{ body: JSON.stringify({ mailbox: MAILBOX }), type: "application/json" }]);
  });

  it("a message to a delivered case queues it again; its files go first; exactly once", async () => {
    const server = fakeServer();
    const caseId = await deliveredCase(server);
    const { message, files } = await draftMessage(caseId, [200_000, 90_000]);
    // a draft does not hold the case, nor go
    expect((await run(server)).status).toBe("done");
    expect(server.items.has(message.itemId)).toBe(false);
    await queueMessage(caseId, message.itemId, files.map((f) => f.itemId), { now: clock.now() }, db);
    expect((await db.get("cases", caseId)).state).toBe(STATES.QUEUED);
    expect((await db.get("items", files[0].itemId)).messageId).toBe(message.itemId);
    server.log.length = 0;
    expect((await run(server)).status).toBe("done");
    const order = server.log.filter((l) => !l.includes("/chunks/"));
    const messagePut = order.indexOf(`PUT /api/v1/cases/${caseId}/items/${message.itemId}`);
    for (const f of files) expect(order.indexOf(`PUT /api/v1/cases/${caseId}/uploads/${f.itemId}`)).toBeLessThan(messagePut);
    expect(server.items.has(message.itemId)).toBe(true);
    for (const f of files) expect(server.items.get(f.itemId).length).toBe(f.size);
    expect((await db.get("cases", caseId)).state).toBe(STATES.DELIVERED);
    expect(await db.count("chunks")).toBe(0);
    server.log.length = 0;
    await run(server);
    expect(server.log).toEqual([]); // nothing sent twice
  });

  it("a message written on another phone creates its case, registered with the receipt's mailbox", async () => {
    const server = fakeServer();
    const caseId = hex(16);
    server.cases.add(caseId); // the report came from another phone
    const { message } = await draftMessage(caseId);
    await queueMessage(caseId, message.itemId, [], { now: clock.now(), mailbox: MAILBOX }, db);
    const record = await db.get("cases", caseId);
    expect(record).toMatchObject({ state: STATES.QUEUED, conversation: true, mailbox: MAILBOX });
    expect((await run(server)).status).toBe("done");
    expect(server.items.has(message.itemId)).toBe(true);
    expect((await db.get("cases", caseId)).state).toBe(STATES.DELIVERED);
  });

  it("too many messages waits ('limited', Retry-After obeyed); too large is refused with its reason", async () => {
    const server = fakeServer();
    const caseId = await deliveredCase(server);
    const { message } = await draftMessage(caseId);
    await queueMessage(caseId, message.itemId, [], { now: clock.now() }, db);
    let limited = true;
    server.rules.push((method, path) => (limited && path.includes("/items/")
      ? serverError(429, "rate_limited", { "Retry-After": "600" }) : undefined));
    const first = await run(server);
    expect(first.status).toBe("retry");
    const waiting = await db.get("items", message.itemId);
    expect(waiting).toMatchObject({ state: STATES.QUEUED, wait: WAIT.LIMITED });
    expect(waiting.retryAt - clock.now()).toBeGreaterThanOrEqual(600_000);
    expect(caseView(await db.get("cases", caseId), [waiting]).wait).toBe(WAIT.LIMITED);
    limited = false;
    clock.advance(600_000);
    expect((await run(server)).status).toBe("done");
    expect(server.items.has(message.itemId)).toBe(true);

    const { message: big } = await draftMessage(caseId);
    await queueMessage(caseId, big.itemId, [], { now: clock.now() }, db);
    server.rules.push((method, path) => (path.endsWith(big.itemId) ? serverError(413, "message_too_large") : undefined));
    await run(server);
    const refused = await db.get("items", big.itemId);
    expect(refused).toMatchObject({ state: STATES.FAILED, error: "message_too_large" });
    expect(itemView(refused)).toMatchObject({ state: "refused", reason: "too_large" });
  });

  it("a mailbox conflict refuses the case for good, in words", async () => {
    const server = fakeServer();
    server.rules.push((method, path) => (method === "PUT" && /\/cases\/\w+$/.test(path)
      ? serverError(409, "mailbox_conflict") : undefined));
    const { caseId } = await newCase(db, [report()]);
    await queueCase(caseId, db);
    await run(server);
    expect(await db.get("cases", caseId)).toMatchObject({ state: STATES.FAILED, error: "mailbox_conflict" });
    expect(refusalKey("mailbox_conflict")).toBe("conflict");
  });

  it("classifies the conversation's codes", () => {
    const answer = (status, code, retryAfter = null) => ({ status, contentType: "application/json", retryAfter,
      text: JSON.stringify({ error: code, message: "m" }) });
    expect(classify(answer(429, "rate_limited", "120"), 0)).toMatchObject({ kind: "retry", wait: WAIT.LIMITED,
      retryAfterMs: 120_000 });
    expect(classify(answer(413, "message_too_large"))).toMatchObject({ kind: "refused", code: "message_too_large" });
    expect(classify(answer(409, "mailbox_conflict"))).toMatchObject({ kind: "refused", code: "mailbox_conflict" });
    expect(classify(answer(429, "too_many_requests"))).toMatchObject({ kind: "retry", wait: WAIT.BUSY });
  });

  it("the files of a message nobody is writing are cleaned up at start, not those being written", async () => {
    const server = fakeServer();
    const caseId = await deliveredCase(server);
    const { message, files } = await draftMessage(caseId, [1000]);
    await cleanUp({ heldLocks: new Set([draftLockName(caseId)]), now: clock.now() }, db);
    expect(await db.get("items", message.itemId)).toBeTruthy();
    await cleanUp({ heldLocks: new Set(), now: clock.now() }, db);
    expect(await db.get("items", message.itemId)).toBeUndefined();
    expect(await db.get("items", files[0].itemId)).toBeUndefined();
    expect(await db.count("chunks")).toBe(0);
    expect((await db.get("cases", caseId)).state).toBe(STATES.DELIVERED); // the case itself stays
  });
});
