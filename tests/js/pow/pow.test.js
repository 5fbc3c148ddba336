// The phone's proof of work (pwa/src/pow): the prefix-state SHA-256 agrees with libsodium on
// every length that matters, the search finds ALTCHA's number, and the outbox pays for a new
// case and a new upload, answers a refusal with fresh work and never gives a report up for it.
import { createHash, createHmac, randomBytes, randomInt } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { openOutbox } from "../../../pwa/src/outbox/db.js";
import { deliver, resetDeliveryMemory } from "../../../pwa/src/outbox/deliver.js";
import { queueCase, STATES } from "../../../pwa/src/outbox/store.js";
import { PrefixHasher, wordsHex } from "../../../pwa/src/pow/sha256.js";
import { POW_HEADER, solutionHeader, solve } from "../../../pwa/src/pow/solve.js";
import { fakeServer, json, serverError } from "../outbox/fake-server.js";
import { hex, manualClock, newCase, noLocks, report } from "../outbox/helpers.js";

let na;
beforeAll(async () => {
  na = await sodium();
});

const sha256hex = (text) => createHash("sha256").update(text).digest("hex");
const KEY = randomBytes(32);

/** A challenge as the server's ALTCHA library makes it. */
function makeChallenge({ purpose = "case", size = 0, maxnumber = 5000, number = randomInt(0, maxnumber + 1) } = {}) {
  const salt = `${randomBytes(12).toString("hex")}?expires=${Math.floor(Date.now() / 1000) + 300}` +
    `&purpose=${purpose}&size=${size}&`;
  const challenge = sha256hex(`${salt}${number}`);
  return { algorithm: "SHA-256", challenge, maxnumber, salt,
    signature: createHmac("sha256", KEY).update(challenge).digest("hex"), number };
}

describe("SHA-256 on a saved prefix state", () => {
  it("matches libsodium for prefixes and suffixes across block boundaries", () => {
    for (let prefixLength = 0; prefixLength <= 200; prefixLength += 1) {
      const prefix = Uint8Array.from(randomBytes(prefixLength));
      const hasher = new PrefixHasher(prefix);
      const room = 119 - (prefixLength % 64);
      for (const suffixLength of [0, 1, 7, 16, 47, 48, 55, 56, 63, 64, room]) {
        if (suffixLength > room) continue;
        const suffix = Uint8Array.from(randomBytes(suffixLength));
        const whole = new Uint8Array(prefixLength + suffixLength);
        whole.set(prefix);
        whole.set(suffix, prefixLength);
        expect(wordsHex(hasher.digest(suffix))).toBe(na.to_hex(na.crypto_hash_sha256(whole)));
      }
    }
  });

  it("refuses a suffix that would not fit two blocks", () => {
    expect(() => new PrefixHasher(new Uint8Array(10)).digest(new Uint8Array(110))).toThrow(RangeError);
  });
});

describe("solving ALTCHA challenges", () => {
  it("finds the number, including the first and the last of the range", async () => {
    for (const number of [0, 9, 10, 4999, 5000, randomInt(0, 5001)]) {
      const c = makeChallenge({ number });
      const found = await solve(c);
      expect(found.number).toBe(number);
      expect(found.tries).toBe(number + 1);
    }
  });

  it("answers null when no number in range works, and refuses what is not a challenge", async () => {
    const c = makeChallenge({ maxnumber: 100, number: 150 });
    expect(await solve(c)).toBeNull();
    await expect(solve({ ...c, algorithm: "SHA-1" })).rejects.toThrow(/ALTCHA/);
    await expect(solve({ ...c, maxnumber: 2 ** 60 })).rejects.toThrow(/ALTCHA/);
  });

  it("writes the header as base64 of ALTCHA's payload", async () => {
    const c = makeChallenge();
    const { number } = await solve(c);
    const payload = JSON.parse(Buffer.from(solutionHeader(c, number), "base64").toString());
    expect(payload).toEqual({ algorithm: "SHA-256", challenge: c.challenge, number, salt: c.salt,
      signature: c.signature });
  });
});

/**
 * The fake server made to ask for work as the real one does: a new case needs a valid unused
 * solution for "case"; a new upload one for "upload" of its size (428 without, 403 otherwise).
 */
function powServer({ refuseFirst = 0 } = {}) {
  const server = fakeServer();
  const issued = new Map(); // challenge -> its params
  const spent = new Set();
  let refusals = refuseFirst;
  server.solved = [];
  const check = (init, purpose, size) => {
    const raw = init.headers?.[POW_HEADER];
    if (!raw) return serverError(428, "pow_required");
    const p = JSON.parse(Buffer.from(raw, "base64").toString());
    const params = issued.get(p.challenge);
    const ok = params && sha256hex(`${p.salt}${p.number}`) === p.challenge && params.purpose === purpose &&
      params.size >= size && !spent.has(p.challenge);
    if (!ok) return serverError(403, "pow_invalid");
    spent.add(p.challenge);
    if (refusals > 0) {
      refusals -= 1; // as if this solution had expired on the way
      return serverError(403, "pow_invalid");
    }
    server.solved.push(purpose);
    return undefined;
  };
  server.rules.push((method, path, init, url) => {
    if (method === "GET" && path === "/api/v1/pow") {
      const q = new URL(url, "http://x").searchParams;
      const c = makeChallenge({ purpose: q.get("purpose"), size: Number(q.get("size")), maxnumber: 3000 });
      issued.set(c.challenge, { purpose: q.get("purpose"), size: Number(q.get("size")) });
      delete c.number;
      return json(200, c);
    }
    let m;
    if (method === "PUT" && (m = path.match(/^\/api\/v1\/cases\/(\w+)$/)) && !server.cases.has(m[1])) {
      return check(init, "case", 0);
    }
    if (method === "PUT" && (m = path.match(/^\/api\/v1\/cases\/\w+\/uploads\/(\w+)$/)) && !server.uploads.has(m[1])) {
      return check(init, "upload", JSON.parse(init.body).size);
    }
    return undefined;
  });
  return server;
}

describe("the outbox pays its way", () => {
  let db;
  let clock;
  beforeEach(async () => {
    db = await openOutbox(`pow-${hex(4)}`);
    clock = manualClock();
    resetDeliveryMemory();
  });
  const run = (server, options = {}) => deliver({ fetchFn: server.fetch, db, locks: noLocks, now: clock.now,
    random: () => 0.5, ...options });

  it("solves before opening a case and before an upload, and the report goes through", async () => {
    const server = powServer();
    const { caseId, stored } = await newCase(db, [report(), { size: 200_000 }]);
    await queueCase(caseId, db);
    const solvedIn = [];
    const solvePow = async (c) => {
      solvedIn.push(c.salt.match(/purpose=(\w+)/)[1]);
      return solve(c);
    };
    expect((await run(server, { solvePow })).status).toBe("done");
    expect(server.cases.has(caseId)).toBe(true);
    for (const { item } of stored) expect(server.items.has(item.itemId)).toBe(true);
    expect(solvedIn.sort()).toEqual(["case", "upload"]); // the report fitted the free allowance
    expect(server.solved.sort()).toEqual(["case", "upload"]);
    expect((await db.get("cases", caseId)).state).toBe(STATES.DELIVERED);
  });

  it("answers a refused solution with a fresh one, and waits (never fails) past a few", async () => {
    const server = powServer({ refuseFirst: 1 });
    const { caseId } = await newCase(db, [report()]);
    await queueCase(caseId, db);
    expect((await run(server)).status).toBe("done"); // solved here (no worker): the service worker's way
    expect(server.cases.has(caseId)).toBe(true);

    const stubborn = powServer({ refuseFirst: 1000 });
    const other = await newCase(db, [report()]);
    await queueCase(other.caseId, db);
    const result = await run(stubborn);
    expect(result.status).toBe("retry");
    const [item] = await db.getAll("items").then((all) => all.filter((i) => i.caseId === other.caseId));
    expect(item.state).toBe(STATES.QUEUED);
    expect((await db.get("cases", other.caseId)).state).toBe(STATES.QUEUED);
    expect(stubborn.cases.has(other.caseId)).toBe(false);
    expect(stubborn.log.filter((l) => l === "GET /api/v1/pow").length).toBe(3); // bounded per attempt
  });

  it("pays for a direct item only when the server asks", async () => {
    const server = powServer();
    let asked = 0;
    server.rules.unshift((method, path, init) => {
      if (method === "PUT" && /\/items\//.test(path) && !init.headers?.[POW_HEADER]) {
        asked += 1;
        return serverError(428, "pow_required");
      }
      return undefined;
    });
    const { caseId, stored } = await newCase(db, [report()]);
    await queueCase(caseId, db);
    expect((await run(server)).status).toBe("done");
    expect(asked).toBe(1);
    expect(server.items.has(stored[0].item.itemId)).toBe(true);
  });

  it("an item the server will not take gets its own refusal (413), not a refusal of work", async () => {
    const server = fakeServer();
    server.limits.maxItem = 150_000;
    server.rules.push((method, path) => (path === "/api/v1/pow" ? serverError(400, "invalid_request") : undefined));
    const { caseId, stored } = await newCase(db, [report(), { size: 200_000 }]);
    await queueCase(caseId, db);
    await run(server);
    const big = await db.get("items", stored[1].item.itemId);
    expect(big).toMatchObject({ state: STATES.FAILED, error: "item_too_large" });
  });

  it("sends no work to a server that asks for none", async () => {
    const server = fakeServer();
    server.rules.push((method, path) => (path === "/api/v1/pow" ? serverError(404, "pow_disabled") : undefined));
    const { caseId } = await newCase(db, [report(), { size: 100_000 }]);
    await queueCase(caseId, db);
    let solved = 0;
    expect((await run(server, { solvePow: async () => { solved += 1; return null; } })).status).toBe("done");
    expect(solved).toBe(0);
    expect(server.cases.has(caseId)).toBe(true);
  });
});
