// The police key bundle as the app keeps it: an answer that is not a valid bundle (a portal's
// page, a proxy's error, a bundle that does not verify) never replaces a stored, verified one.
import { beforeEach, describe, expect, it, vi } from "vitest";

const meta = new Map();
vi.mock("../../../pwa/src/outbox/store.js", () => ({
  getMeta: async (key) => meta.get(key),
  setMeta: async (key, value) => { meta.set(key, value); },
}));
// The worker's check stands in for the real one (tested in tests/js/crypto): a document is
// "valid" when it is JSON with good: true, and its sequence may not go back.
vi.mock("../../../pwa/src/app/worker-client.js", () => ({
  callWorker: async (op, { document, minSequence }) => {
    const parsed = JSON.parse(document);
    if (!parsed.good) return { ok: false, code: "bundle_signature", message: "bad signature" };
    if (parsed.sequence < minSequence) return { ok: false, code: "bundle_rollback", message: "older" };
    return { ok: true, bundle: { sequence: parsed.sequence, publicKeys: ["k"], fingerprints: [] } };
  },
}));

const answers = [];
globalThis.location = { origin: "http://127.0.0.1:8000" };
globalThis.document = { documentElement: { dataset: {} }, visibilityState: "visible" };
globalThis.fetch = async () => {
  const next = answers.shift();
  if (next instanceof Error) throw next;
  return next;
};

const json = (body) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
const portal = () => new Response("<html>Connectez-vous au Wi-Fi</html>", { status: 200,
  headers: { "Content-Type": "text/html" } });

async function check() {
  vi.resetModules();
  const mod = await import("../../../pwa/src/app/police-key.js");
  return mod.refreshPoliceKey();
}

beforeEach(() => {
  meta.clear();
  answers.length = 0;
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});

describe("police key", () => {
  it("keeps the stored, verified bundle when a portal answers", async () => {
    meta.set("bundle", { document: JSON.stringify({ good: true, sequence: 3 }), sequence: 3 });
    answers.push(portal());
    expect(await check()).toMatchObject({ status: "ok", bundle: { sequence: 3 }, offline: true });
    expect(meta.get("bundle").sequence).toBe(3);
  });

  it("keeps it when the server's bundle does not verify, or goes back", async () => {
    const stored = { document: JSON.stringify({ good: true, sequence: 3 }), sequence: 3 };
    meta.set("bundle", stored);
    answers.push(json({ good: false, sequence: 4 }));
    expect((await check()).status).toBe("ok");
    answers.push(json({ good: true, sequence: 2 }));
    expect((await check()).status).toBe("ok");
    expect(meta.get("bundle")).toEqual(stored);
  });

  it("takes a newer valid bundle", async () => {
    meta.set("bundle", { document: JSON.stringify({ good: true, sequence: 3 }), sequence: 3 });
    answers.push(json({ good: true, sequence: 4 }));
    expect(await check()).toMatchObject({ status: "ok", bundle: { sequence: 4 } });
    expect(meta.get("bundle").sequence).toBe(4);
  });

  it("with nothing stored: a portal is 'offline' (try again), a bad bundle 'invalid'", async () => {
    answers.push(portal());
    expect((await check()).status).toBe("offline");
    answers.push(new Response("{\"good\": tr", { status: 200, headers: { "Content-Type": "application/json" } }));
    expect((await check()).status).toBe("offline"); // cut short: not an answer
    answers.push(new TypeError("Failed to fetch"));
    expect((await check()).status).toBe("offline");
    answers.push(json({ good: false, sequence: 1 }));
    expect((await check()).status).toBe("invalid");
    expect(meta.has("bundle")).toBe(false);
  });
});
