import { beforeEach, describe, expect, it } from "vitest";
import { openOutbox } from "../../../pwa/src/outbox/db.js";
import { deliver, deliverAll, HOLD_MS, resetDeliveryMemory } from "../../../pwa/src/outbox/deliver.js";
import { cleanUp, draftLockName, forgetCase, itemsOf, listCases, putCase, queueCase, resetBackoff, STATES,
  withdrawItems } from "../../../pwa/src/outbox/store.js";
import { announce } from "../../../pwa/src/outbox/events.js";
import { Uplink } from "../../../pwa/src/outbox/uplink.js";
import { OutboxWriter } from "../../../pwa/src/outbox/writer.js";
import { fakeServer, html, json, serverError } from "./fake-server.js";
import { hex, manualClock, newCase, noLocks, report, same, storeItem } from "./helpers.js";

const MiB = 1024 * 1024;
let db;
let clock;

beforeEach(async () => {
  db = await openOutbox(`test-${hex(4)}`);
  clock = manualClock();
  resetDeliveryMemory();
});

/** One delivery run as the page makes it, on the test's clock. */
const run = (server, options = {}) => deliver({ fetchFn: server.fetch, db, locks: noLocks, now: clock.now,
  random: () => 0.5, ...options });
const caseState = async (caseId) => (await db.get("cases", caseId)).state;
const itemState = async (itemId) => db.get("items", itemId);

describe("outbox writer", () => {
  it("cuts the envelope into records and records the item last", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 200_000 }]);
    const { item } = stored[0];
    expect(item.chunkCount).toBe(4);
    expect(item.state).toBe(STATES.DRAFT);
    const chunks = await db.getAll("chunks");
    expect(chunks.map((c) => c.data.length)).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    expect((await itemsOf(caseId, db)).length).toBe(1);
  });

  it("refuses to record an item whose bytes are not all written", async () => {
    const writer = new OutboxWriter({ itemId: hex(16), caseId: hex(16), kind: "report", part: 0, db });
    await writer.write(new Uint8Array(100));
    await expect(writer.finish({ headerBytes: new Uint8Array(1), envelopeSize: 101, envelopeSha256: "x" }))
      .rejects.toThrow(/expected 101/);
    expect(await db.getAll("items")).toEqual([]);
  });

  /** A database whose chunk puts complete only when the test says so. */
  function slowDb({ fail = false } = {}) {
    const puts = [];
    let open = 0;
    let most = 0;
    return {
      puts, most: () => most,
      release: () => puts.splice(0).forEach((p) => p()),
      transaction(store, _mode, options) {
        let finish;
        const done = new Promise((resolve, reject) => {
          finish = () => {
            open -= 1;
            if (fail) reject(new DOMException("QuotaExceededError", "QuotaExceededError"));
            else resolve();
          };
        });
        return { durability: options?.durability, objectStore: () => ({ put: () => {
          open += 1;
          most = Math.max(most, open);
          if (store === "chunks") puts.push(finish);
          else finish();
        } }), done };
      },
    };
  }

  it("overlaps storing with sealing, with a bounded number of records in flight", async () => {
    const fake = slowDb();
    const writer = new OutboxWriter({ itemId: hex(16), caseId: hex(16), kind: "attachment", part: 1, chunkSize: 10,
      db: fake, inFlight: 3 });
    let writing = writer.write(new Uint8Array(25)); // two full records and a half
    await new Promise((r) => setTimeout(r, 5));
    expect(fake.puts.length).toBe(2); // both started, neither awaited: sealing goes on
    writing = writing.then(() => writer.write(new Uint8Array(20))); // the third and fourth record
    await new Promise((r) => setTimeout(r, 5));
    expect(fake.puts.length).toBe(3); // the fourth waits for room
    fake.release();
    await new Promise((r) => setTimeout(r, 5));
    fake.release();
    await writing;
    const finishing = writer.finish({ headerBytes: new Uint8Array(1), envelopeSize: 45, envelopeSha256: "x" });
    await new Promise((r) => setTimeout(r, 5));
    fake.release();
    const item = await finishing;
    expect(item.chunkCount).toBe(5);
    expect(fake.most()).toBeLessThanOrEqual(3);
  });

  it("reports a failed put (a full disk) instead of recording the item", async () => {
    const fake = slowDb({ fail: true });
    const writer = new OutboxWriter({ itemId: hex(16), caseId: hex(16), kind: "attachment", part: 1, chunkSize: 10,
      db: fake, inFlight: 2 });
    const writing = writer.write(new Uint8Array(30));
    await new Promise((r) => setTimeout(r, 5));
    fake.release();
    await expect(writing.then(() => writer.finish({ headerBytes: new Uint8Array(1), envelopeSize: 30,
      envelopeSha256: "x" }))).rejects.toThrow(/Quota/);
  });
});

describe("delivery", () => {
  it("delivers a queued case exactly once, attachments announced before the report, then their bytes", async () => {
    const { caseId, stored } = await newCase(db, [report(), { size: 150_000 }, { size: 2_500_000, part: 2,
      chunkSize: MiB }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    expect((await run(server)).status).toBe("done");
    for (const { item, whole } of stored) expect(same(server.items.get(item.itemId), whole)).toBe(true);
    const reportAt = server.log.findIndex((l) => l.includes(`/items/${stored[0].item.itemId}`));
    const creations = server.log.map((l, i) => [l, i]).filter(([l]) => /^PUT .*\/uploads\/\w+$/.test(l));
    const announced = [...new Map(creations.map(([l, i]) => [l, i]).reverse()).entries()]; // each item's first
    const lastPiece = server.log.findLastIndex((l) => l.includes("/chunks/"));
    // (after asking for a proof-of-work challenge: this fake server asks for none)
    expect(server.log.filter((l) => l !== "GET /api/v1/pow")[0]).toBe(`PUT /api/v1/cases/${caseId}`);
    expect(announced.length).toBe(2);
    expect(announced.every(([, i]) => i < reportAt)).toBe(true); // (a later one may cut an upload again)
    expect(reportAt).toBeLessThan(lastPiece); // the report is not stuck behind the pieces
    expect(await db.getAll("chunks")).toEqual([]);
    expect(await caseState(caseId)).toBe(STATES.DELIVERED);
    const before = server.log.length;
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("done");
    expect(server.log.length).toBe(before); // nothing sent twice
  });

  it("keeps everything when the network is down, then resumes where it stopped", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 3_500_000, chunkSize: MiB }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.down = true;
    const first = await run(server);
    expect(first.status).toBe("retry");
    expect([...first.waits]).toEqual(["network"]);
    expect((await db.getAll("chunks")).length).toBe(4);
    server.down = false;
    // the third piece fails once with a 503: the attempt stops, the next one resumes
    server.failNext = (method, path) => method === "PUT" && path.endsWith("/chunks/2");
    clock.advance(60_000);
    expect((await run(server, { uplink: new Uplink() })).status).toBe("retry");
    expect(server.items.size).toBe(0);
    const pieces = () => server.log.filter((l) => l.includes("/chunks/"));
    const sentBefore = pieces().length;
    clock.advance(60_000);
    expect((await run(server, { uplink: new Uplink() })).status).toBe("done");
    const again = pieces().slice(sentBefore);
    expect(again.every((l) => !l.endsWith("/chunks/0") && !l.endsWith("/chunks/1"))).toBe(true); // held already
    expect(same(server.items.get(stored[0].item.itemId), stored[0].whole)).toBe(true);
  });

  it("waits for each item's own time, and 'send now' tries everything at once", async () => {
    const { caseId } = await newCase(db, [report()]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.down = true;
    const first = await run(server);
    expect(first.wakeAt).toBe(clock.now() + 2000); // the first step of the backoff (jitter 0.5)
    server.down = false;
    const count = server.log.length;
    expect((await run(server)).status).toBe("retry"); // not due yet: nothing sent
    expect(server.log.length).toBe(count);
    await resetBackoff(db);
    expect((await run(server)).status).toBe("done");
  });

  it("grows the backoff while nothing moves, to a cap of tens of seconds", async () => {
    const { caseId, stored } = await newCase(db, [report()]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.down = true;
    const delays = [];
    for (let i = 0; i < 8; i += 1) {
      const result = await run(server);
      delays.push(result.wakeAt - clock.now());
      clock.set(result.wakeAt);
    }
    expect(delays).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    expect((await itemState(stored[0].item.itemId)).attempt).toBe(8);
  });

  it("starts the backoff again when an attempt made progress (a lossy link is not a dead one)", async () => {
    const { caseId } = await newCase(db, [{ size: 6 * 64 * 1024, chunkSize: 64 * 1024 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    let pieces = 0;
    server.rules.push((method, path) => {
      if (!path.includes("/chunks/")) return undefined;
      pieces += 1;
      return pieces % 2 === 0 ? new TypeError("connection reset") : undefined; // every other piece is lost
    });
    const uplink = new Uplink({ rate: 4000 }); // 64 KiB pieces
    let result;
    const waits = [];
    for (let i = 0; i < 20 && (result = await run(server, { uplink, parallel: 1 })).status !== "done"; i += 1) {
      waits.push(result.wakeAt - clock.now());
      clock.set(result.wakeAt);
    }
    expect(result.status).toBe("done");
    expect(new Set(waits)).toEqual(new Set([2000])); // never more than the first step
  });

  it("honours Retry-After and says why the report waits (507: the server is full)", async () => {
    const { caseId, stored } = await newCase(db, [report()]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.rules.push((m, path) => (path.includes("/items/") ? serverError(507, "storage_full",
      { "Retry-After": "120" }) : undefined));
    const result = await run(server);
    expect(result.wakeAt - clock.now()).toBe(120_000);
    expect([...result.waits]).toEqual(["full"]);
    const item = await itemState(stored[0].item.itemId);
    expect(item).toMatchObject({ state: STATES.QUEUED, wait: "full" });
    expect(await caseState(caseId)).toBe(STATES.QUEUED); // waiting, never failed
    server.rules = [];
    clock.advance(120_000);
    expect((await run(server)).status).toBe("done");
  });

  it("never lets one blocked item hold another case: a 507 on one, the next case arrives", async () => {
    const first = await newCase(db, [report(), { size: 200_000, part: 1 }]);
    await queueCase(first.caseId, db);
    const second = await newCase(db, [report(), { size: 150_000, part: 1 }]);
    await queueCase(second.caseId, db);
    const server = fakeServer();
    const blocked = first.stored[1].item.itemId;
    server.rules.push((m, path) => (path.includes(blocked) ? serverError(507, "storage_full", { "Retry-After": "60" })
      : undefined));
    const result = await run(server);
    expect(result.status).toBe("retry");
    expect(await caseState(second.caseId)).toBe(STATES.DELIVERED);
    expect(server.items.has(first.stored[0].item.itemId)).toBe(true); // its report went too
    expect((await itemState(blocked)).wait).toBe("full");
    server.rules = [];
    clock.advance(60_000);
    expect((await run(server)).status).toBe("done");
    expect(await caseState(first.caseId)).toBe(STATES.DELIVERED);
  });

  it("retries a proxy's HTML 413 page instead of giving the file up", async () => {
    const { caseId, stored } = await newCase(db, [report(), { size: 300_000, part: 1 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.rules.push((m, path) => (path.includes("/chunks/") ? html(413,
      "<html><title>413 Request Entity Too Large</title><body><center>nginx</center></body></html>") : undefined));
    const result = await run(server);
    expect(result.status).toBe("retry");
    expect([...result.waits]).toEqual(["unreached"]);
    expect(await itemState(stored[1].item.itemId)).toMatchObject({ state: STATES.QUEUED, wait: "unreached" });
    server.rules = [];
    clock.advance(10_000);
    expect((await run(server)).status).toBe("done");
    expect(same(server.items.get(stored[1].item.itemId), stored[1].whole)).toBe(true);
  });

  it("deletes nothing on a 200 that does not confirm the item (a captive portal, a proxy)", async () => {
    const { caseId } = await newCase(db, [report(1000)]);
    await queueCase(caseId, db);
    const portal = async () => new Response("<html>Wi-Fi gratuit</html>", { status: 200 });
    expect(await deliverAll({ fetchFn: portal, db, locks: noLocks })).toBe("retry");
    expect((await db.getAll("chunks")).length).toBe(1);
    expect((await listCases(db))[0].state).toBe(STATES.QUEUED);
    const forged = async () => json(200, { item_id: "someone else", sha256: "0".repeat(64) });
    expect(await deliverAll({ fetchFn: forged, db, locks: noLocks })).toBe("retry");
    expect((await db.getAll("chunks")).length).toBe(1);
  });

  it("cuts pieces to the measured uplink, and cuts an upload again before its first piece if far off", async () => {
    const slow = await newCase(db, [{ size: 300_000 }]);
    await queueCase(slow.caseId, db);
    const server = fakeServer();
    expect((await run(server, { uplink: new Uplink({ rate: 4000 }) })).status).toBe("done"); // 32 kbit/s
    expect(server.created).toEqual([{ itemId: slow.stored[0].item.itemId, chunkSize: 64 * 1024 }]);
    // A fast link measured while the upload was announced with the first guess: cut again.
    const fast = await newCase(db, [{ size: 5 * MiB, chunkSize: MiB }]);
    await queueCase(fast.caseId, db);
    const uplink = new Uplink(); // first guess: 256 KiB
    uplink.record(MiB, 400); // then a megabyte in 0.4 s
    const announced = uplink.chunkSize.bind(uplink);
    uplink.chunkSize = (size) => (server.created.length === 1 ? 256 * 1024 : announced(size));
    expect((await run(server, { uplink })).status).toBe("done");
    const cuts = server.created.filter((c) => c.itemId === fast.stored[0].item.itemId).map((c) => c.chunkSize);
    expect(cuts).toEqual([256 * 1024, 5 * MiB]); // one piece: 5 MiB at 2.6 MB/s is 2 s
    expect(server.log.some((l) => l.startsWith("DELETE"))).toBe(true);
    expect(same(server.items.get(fast.stored[0].item.itemId), fast.stored[0].whole)).toBe(true);
  });

  it("lets the first upload measure the link, and cuts the others to it", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 600_000 }, { size: 3 * MiB, part: 2, chunkSize: MiB },
      { size: 3 * MiB, part: 3, chunkSize: MiB }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.rules.push(async (m, path) => {
      if (path.includes("/chunks/")) await new Promise((r) => setTimeout(r, 20)); // a link that takes time
      return undefined;
    });
    expect((await run(server, { uplink: new Uplink() })).status).toBe("done");
    const cuts = (id) => server.created.filter((c) => c.itemId === id).map((c) => c.chunkSize);
    expect(cuts(stored[0].item.itemId)).toEqual([256 * 1024]); // the first guess, kept: it measures
    for (const later of [stored[1], stored[2]]) {
      const sizes = cuts(later.item.itemId);
      expect(sizes[0]).toBe(256 * 1024); // announced with the guess before the report
      expect(sizes.at(-1)).toBeGreaterThanOrEqual(MiB); // then cut again to the link, before any piece
      expect(same(server.items.get(later.item.itemId), later.whole)).toBe(true);
    }
  });

  it("keeps two pieces in flight, never more", async () => {
    const { caseId } = await newCase(db, [{ size: 8 * 64 * 1024, chunkSize: 64 * 1024 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    expect((await run(server, { uplink: new Uplink({ rate: 4000 }) })).status).toBe("done");
    expect(server.maxInFlight).toBe(2);
  });

  it("leaves drafts alone", async () => {
    await newCase(db, [report(1000)]);
    const server = fakeServer();
    expect((await run(server)).status).toBe("done");
    expect(server.log).toEqual([]);
  });

  it("answers busy when another context holds the delivery lock", async () => {
    const held = { request: (_n, _o, fn) => fn(null) };
    expect(await deliverAll({ fetchFn: fakeServer().fetch, db, locks: held })).toBe("busy");
  });

  it("queues again what the first version marked failed for a proxy's page", async () => {
    const { caseId, stored } = await newCase(db, [report(), { size: 70_000 }]);
    await queueCase(caseId, db);
    const old = await db.get("items", stored[1].item.itemId);
    await db.put("items", { ...old, state: STATES.FAILED, error: "http_error" });
    await putCase({ ...(await db.get("cases", caseId)), state: STATES.FAILED }, db);
    expect((await run(fakeServer())).status).toBe("done");
    expect(await caseState(caseId)).toBe(STATES.DELIVERED);
  });
});

describe("a refusal by the server", () => {
  it("marks a refused report, and its case, failed, and never retries it", async () => {
    const { caseId, stored } = await newCase(db, [report(1000)]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.cases.add(caseId);
    server.items.set(stored[0].item.itemId, new Uint8Array([1, 2, 3])); // other bytes under the same id
    expect((await run(server)).status).toBe("done");
    const [item] = await itemsOf(caseId, db);
    expect(item).toMatchObject({ state: STATES.FAILED, error: "item_conflict", errorStatus: 409 });
    expect(await caseState(caseId)).toBe(STATES.FAILED);
    const count = server.log.length;
    clock.advance(3600_000);
    await run(server);
    expect(server.log.length).toBe(count);
  });

  it("a case the server refuses does not hold back the cases behind it", async () => {
    const first = await newCase(db, [report(1000)]);
    await queueCase(first.caseId, db);
    const second = await newCase(db, [report(1000)]);
    await queueCase(second.caseId, db);
    const server = fakeServer();
    server.rules.push((m, path) => (path === `/api/v1/cases/${first.caseId}` ? serverError(400, "bad_id") : undefined));
    expect((await run(server)).status).toBe("done");
    expect(await caseState(first.caseId)).toBe(STATES.FAILED);
    expect(await caseState(second.caseId)).toBe(STATES.DELIVERED);
  });

  async function refusedCase() {
    const c = await newCase(db, [report(), { size: 200_000, part: 1 }, { size: 150_000, part: 2 }]);
    await queueCase(c.caseId, db);
    const server = fakeServer();
    server.limits.maxItem = 180_000; // the server takes at most 180 kB per item: part 1 is too large
    return { ...c, server, refused: c.stored[1].item.itemId };
  }

  it("holds the report while the page can seal it again, delivering the rest", async () => {
    const { caseId, stored, server, refused } = await refusedCase();
    const result = await run(server, { canHold: async () => true });
    expect(await itemState(refused)).toMatchObject({ state: STATES.FAILED, error: "item_too_large", errorStatus: 413 });
    expect(server.items.has(stored[2].item.itemId)).toBe(true); // the other attachment went
    expect(server.items.has(stored[0].item.itemId)).toBe(false); // the report waits for the citizen
    expect(result.wakeAt).toBe(clock.now() + HOLD_MS);
    expect((await db.get("cases", caseId)).holdUntil).toBe(clock.now() + HOLD_MS);
    // the service worker cannot know whether the page holds the plaintext: it waits too
    expect((await run(server, { canHold: async () => null })).status).toBe("retry");
    expect(server.items.has(stored[0].item.itemId)).toBe(false);

    // the citizen chooses to send the rest: the report sealed again without the file replaces it
    const fresh = await storeItem(db, caseId, report(2800));
    await withdrawItems(caseId, [refused], { report: fresh.item.itemId }, db);
    expect((await run(server, { canHold: async () => true })).status).toBe("done");
    expect(server.items.has(stored[0].item.itemId)).toBe(false); // the old report never left
    expect(same(server.items.get(fresh.item.itemId), fresh.whole)).toBe(true);
    expect(server.items.has(refused)).toBe(false);
    const record = await db.get("cases", caseId);
    expect(record).toMatchObject({ state: STATES.DELIVERED, withdrawn: [1], resealed: true });
    expect(record.holdUntil).toBeUndefined();
    expect((await itemState(refused)).state).toBe(STATES.WITHDRAWN);
    expect((await db.getAll("chunks")).length).toBe(0);
  });

  it("sends the report as sealed when nobody holds its plaintext, and the file can then be withdrawn", async () => {
    const { caseId, stored, server, refused } = await refusedCase();
    expect((await run(server, { canHold: async () => false })).status).toBe("done");
    expect(server.items.has(stored[0].item.itemId)).toBe(true);
    expect(await caseState(caseId)).toBe(STATES.QUEUED); // not silently complete: the citizen must see it
    await withdrawItems(caseId, [refused], {}, db);
    const record = await db.get("cases", caseId);
    expect(record).toMatchObject({ state: STATES.DELIVERED, withdrawn: [1] });
    expect(record.resealed).toBeUndefined();
  });

  it("lets the report go once the hold expires without an answer", async () => {
    const { stored, server } = await refusedCase();
    await run(server, { canHold: async () => true });
    clock.advance(HOLD_MS + 1);
    await run(server, { canHold: async () => true });
    expect(server.items.has(stored[0].item.itemId)).toBe(true);
  });

  it("keeps the first report if it got there while the citizen chose", async () => {
    const { caseId, stored, server, refused } = await refusedCase();
    await run(server, { canHold: async () => false }); // the old report is delivered
    const fresh = await storeItem(db, caseId, report(2800));
    await withdrawItems(caseId, [refused], { report: fresh.item.itemId }, db);
    expect(await db.get("items", fresh.item.itemId)).toBeUndefined();
    expect(await caseState(caseId)).toBe(STATES.DELIVERED);
    expect((await run(server)).status).toBe("done");
    expect(server.items.has(stored[0].item.itemId)).toBe(true);
  });
});

describe("delivery against what happens meanwhile", () => {
  /** A fetch that stops at the first request matching `when` until `release()` is called. */
  function pausing(server, when) {
    let release;
    const gate = new Promise((r) => { release = r; });
    let paused = false;
    const fetchFn = async (url, init = {}) => {
      if (!paused && when(init.method ?? "GET", new URL(url, "http://x").pathname)) {
        paused = true;
        await gate;
      }
      return server.fetch(url, init);
    };
    return { fetchFn, release: () => release() };
  }
  const settle = () => new Promise((r) => setTimeout(r, 30));

  it("keeps a receipt ticked during the upload (the record is read again, not overwritten)", async () => {
    const { caseId, stored } = await newCase(db, [report(1000)]);
    await queueCase(caseId, db);
    const server = fakeServer();
    const { fetchFn, release } = pausing(server, (m, p) => p.endsWith(stored[0].item.itemId));
    const running = deliverAll({ fetchFn, db, locks: noLocks });
    await settle();
    const record = (await listCases(db))[0];
    await putCase({ ...record, receipt: "7K3M QX2P 9ZTA 4HCW" }, db); // the citizen ticks "keep"
    release();
    expect(await running).toBe("done");
    const after = (await listCases(db))[0];
    expect(after.state).toBe(STATES.DELIVERED);
    expect(after.receipt).toBe("7K3M QX2P 9ZTA 4HCW");
  });

  it("does not bring back a case erased during its upload", async () => {
    const { caseId } = await newCase(db, [report(1000), { size: 2_500_000, chunkSize: MiB }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    const { fetchFn, release } = pausing(server, (m, p) => p.endsWith("/chunks/1"));
    const running = deliverAll({ fetchFn, db, locks: noLocks, uplink: new Uplink({ rate: 300_000 }) });
    await settle();
    await forgetCase(caseId, db);
    release();
    expect(await running).toBe("done");
    expect(await listCases(db)).toEqual([]);
    expect(await db.getAll("items")).toEqual([]);
    expect(await db.getAll("chunks")).toEqual([]);
  });

  it("an upload the server dropped is started again, not given up", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 2_500_000, chunkSize: MiB }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    let dropped = false;
    server.rules.push((m, path) => {
      if (!dropped && path.endsWith("/chunks/1")) {
        dropped = true;
        server.uploads.clear(); // garbage-collected
      }
      return undefined;
    });
    expect((await run(server, { uplink: new Uplink({ rate: 300_000 }) })).status).toBe("retry");
    clock.advance(60_000);
    expect((await run(server)).status).toBe("done");
    expect(same(server.items.get(stored[0].item.itemId), stored[0].whole)).toBe(true);
  });

  it("with wait (Background Sync), waits for the lock and retries soon failures in the same event", async () => {
    const { caseId } = await newCase(db, [report(1000)]);
    await queueCase(caseId, db);
    const calls = [];
    const locks = { request: (name, opts, fn) => { calls.push(typeof opts === "function" ? "wait" : "if-available");
      return (fn ?? opts)({}); } };
    const server = fakeServer();
    server.failNext = () => true; // the first request gets a 503
    const result = await deliver({ fetchFn: server.fetch, db, locks, wait: true, keepAliveMs: 5000,
      backoffBase: 20, random: () => 0.5 });
    expect(result.status).toBe("done");
    expect(calls).toEqual(["wait"]);
  });
});

describe("a run that waits (the service worker's)", () => {
  it("looks again when a page says 'send now', instead of sleeping out the backoff", async () => {
    const { caseId } = await newCase(db, [report()]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.failNext = () => true; // the first try gets a 503: the item waits 20 s (backoffBase)
    const started = Date.now();
    const running = deliver({ fetchFn: server.fetch, db, locks: noLocks, keepAliveMs: 60_000, backoffBase: 20_000,
      random: () => 0.5 });
    await new Promise((r) => setTimeout(r, 100));
    await resetBackoff(db);
    announce({ type: "kick" });
    expect((await running).status).toBe("done");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("cleanup", () => {
  it("drops abandoned drafts but not one being edited, and forgets old deliveries", async () => {
    const abandoned = await newCase(db, [{ size: 1000 }]);
    const editing = await newCase(db, [{ size: 1000 }]);
    const old = await newCase(db, [{ size: 10 }]);
    await putCase({ caseId: old.caseId, state: STATES.DELIVERED, createdAt: "2026-01-01T00:00:00Z",
      deliveredAt: "2026-01-01T00:00:00Z" }, db);
    const kept = await newCase(db, [{ size: 10 }]);
    await putCase({ caseId: kept.caseId, state: STATES.DELIVERED, createdAt: "2026-01-01T00:00:00Z",
      deliveredAt: "2026-01-01T00:00:00Z", receipt: "7K3M QX2P 9ZTA 4HCW" }, db);
    await cleanUp({ heldLocks: new Set([draftLockName(editing.caseId)]) }, db);
    const left = (await db.getAll("cases")).map((c) => c.caseId).sort();
    expect(left).toEqual([editing.caseId, kept.caseId].sort());
    expect((await db.getAll("items")).every((i) => i.caseId !== abandoned.caseId)).toBe(true);
  });
});
