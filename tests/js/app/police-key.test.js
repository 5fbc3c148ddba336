// The phone near its key bundle's expiry (docs/envelope.md, section 10): the stored bundle is used
// until it expires, the server's is asked for again at every check (a minute apart, not ten), and
// only when no newer one could be fetched does the state ask the citizen to connect.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const DAY = 24 * 60 * 60 * 1000;
let stored;
let serverBundle;
let fetches;

vi.mock("../../../pwa/src/outbox/store.js", () => ({
  getMeta: async () => stored,
  setMeta: async (_key, value) => {
    stored = value;
  },
}));
vi.mock("../../../pwa/src/app/worker-client.js", () => ({
  // the worker's verify-bundle, reduced to what police-key.js reads: the document is its expiry
  callWorker: async (_op, { document, now }) => {
    const { expires, sequence } = JSON.parse(document);
    if (Date.parse(expires) <= now) return { ok: false, code: "bundle_expired", message: "expired" };
    return { ok: true, bundle: { sequence, expires, publicKeys: [], fingerprints: [] } };
  },
}));

async function freshModule() {
  vi.resetModules();
  return import("../../../pwa/src/app/police-key.js");
}

beforeEach(() => {
  fetches = 0;
  globalThis.document = { documentElement: { dataset: {} } };
  globalThis.location = { origin: "https://signalement.test" };
  globalThis.fetch = async () => {
    fetches += 1;
    if (serverBundle === null) throw new TypeError("offline");
    return { ok: true, text: async () => serverBundle };
  };
});

afterEach(() => {
  vi.useRealTimers();
});

const bundle = (sequence, daysLeft) =>
  JSON.stringify({ sequence, expires: new Date(Date.now() + daysLeft * DAY).toISOString() });

describe("police key near expiry", () => {
  it("far from expiry: ok, not flagged", async () => {
    stored = null;
    serverBundle = bundle(3, 60);
    const { refreshPoliceKey } = await freshModule();
    const state = await refreshPoliceKey();
    expect(state).toMatchObject({ status: "ok", expiresSoon: false });
  });

  it("offline with a bundle that expires within days: still ok, flagged for the citizen", async () => {
    stored = { document: bundle(3, 5), sequence: 3 };
    serverBundle = null;
    const { refreshPoliceKey } = await freshModule();
    const state = await refreshPoliceKey();
    expect(state).toMatchObject({ status: "ok", offline: true, expiresSoon: true });
  });

  it("online, the newer bundle replaces it and the flag goes", async () => {
    stored = { document: bundle(3, 5), sequence: 3 };
    serverBundle = bundle(4, 60);
    const { refreshPoliceKey } = await freshModule();
    const state = await refreshPoliceKey();
    expect(state).toMatchObject({ status: "ok", expiresSoon: false, bundle: { sequence: 4 } });
    expect(stored.sequence).toBe(4);
  });

  it("near expiry, checks again after a minute instead of ten", async () => {
    stored = { document: bundle(3, 5), sequence: 3 };
    serverBundle = bundle(3, 5); // the server has nothing newer yet
    vi.useFakeTimers({ toFake: ["Date"] });
    const { refreshPoliceKey, recheckPoliceKey } = await freshModule();
    await refreshPoliceKey();
    expect(fetches).toBe(1);
    await recheckPoliceKey();
    expect(fetches).toBe(1);
    vi.setSystemTime(Date.now() + 61_000);
    await recheckPoliceKey();
    expect(fetches).toBe(2);
  });

  it("once expired and offline: expired, nothing is encrypted to it", async () => {
    stored = { document: bundle(3, -1), sequence: 3 };
    serverBundle = null;
    const { refreshPoliceKey } = await freshModule();
    expect((await refreshPoliceKey()).status).toBe("expired");
  });
});
