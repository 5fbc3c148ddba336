// The benchmark page (bench/browser_bench.py drives it through Playwright; bundled by esbuild).
//
// - encryption: hands work to enc-worker.js and keeps the result where Python can poll it,
//   so that Python samples the worker's heap over CDP while it runs;
// - the send path at the worker level: the app's own crypto worker (pwa/src/worker/crypto-worker.js,
//   bundled with a root key) called with the messages pwa/src/app/draft.js sends, then the
//   outbox's queueCase, as Draft.send does; and its baseline, the same files put in IndexedDB.
import { openDB } from "idb";
import { buildReport } from "../../pwa/src/app/report-data.js";
import { openOutbox } from "../../pwa/src/outbox/db.js";
import { forgetCase, putCase, queueCase, STATES } from "../../pwa/src/outbox/store.js";

const randomHex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
  b.toString(16).padStart(2, "0")).join("");

function rpc(worker) {
  let next = 0;
  const pending = new Map();
  worker.onmessage = ({ data }) => {
    const call = pending.get(data.id);
    if (!call || data.type === "progress") return;
    pending.delete(data.id);
    if (data.ok || data.type === "result") call.resolve(data.value);
    else call.reject(new Error(data.error ?? data.message));
  };
  worker.onerror = (e) => { for (const c of pending.values()) c.reject(new Error(e.message || "worker failed")); };
  return (op, payload) => new Promise((resolve, reject) => {
    next += 1;
    pending.set(next, { resolve, reject });
    worker.postMessage({ id: next, op, ...payload });
  });
}

const encWorker = new Worker("enc-worker.js", { type: "module", name: "bench-encrypt" });
const enc = rpc(encWorker);

// One call at a time; Python starts it, then polls window.job while sampling the heap.
window.job = null;
window.startJob = (op, args) => {
  const job = { op, done: false, value: null, error: null };
  window.job = job;
  enc(op, { args }).then((v) => { job.value = v; }, (e) => { job.error = String(e.stack ?? e); })
    .finally(() => { job.done = true; });
};
window.encCall = (op, args) => enc(op, { args });

// --- the send path ------------------------------------------------------------------------------
let appWorker = null;
let app = null;
let lastPick = 0;
document.getElementById("photos").addEventListener("change", () => { lastPick = performance.now(); });

/** The picked files, sealed and queued as the app does; times from the pick, in ms. */
window.sendFlow = async (recipients, force = false) => {
  appWorker ??= new Worker("crypto-worker.js", { type: "module", name: "tipline-crypto" });
  app ??= rpc(appWorker);
  const files = Array.from(document.getElementById("photos").files);
  const caseId = randomHex(16);
  // Draft.start: the case record, and the receipt (Argon2id, in a worker of its own) before the clock
  await putCase({ caseId, state: STATES.DRAFT, createdAt: new Date().toISOString() });
  const { mailbox } = await app("new-receipt", {});
  const t0 = performance.now();
  const entries = [];
  let part = 1;
  for (const file of files) { // Draft.addFile, one after the other as file-list.js does
    const r = await app("seal-file", { caseId, itemId: randomHex(16), part: part++, file, force, recipients });
    if (r.status !== "sealed") throw new Error(`seal-file: ${r.status} ${r.reason ?? ""}`);
    entries.push({ ...r.entry });
  }
  const sealed = performance.now();
  // Draft.send: the report, then the case queued atomically with its items
  const draft = { place: { text: "place de l'Europe, devant le bâtiment X", position: null },
    when: { seen_at: "2026-11-27T19:10", frequency: "tous les soirs entre 18 h et 20 h" },
    people: [{ clothing: "veste noire, casquette rouge", height: "environ 1,80 m" }], vehicles: [],
    risks: { children: true }, details: "échanges rapides près du hall B", contact: {} };
  const report = buildReport(draft, { entries, mailbox, coach: null, language: "fr" });
  await app("seal-report", { caseId, itemId: randomHex(16), report, recipients });
  const db = await openOutbox();
  const record = await db.get("cases", caseId);
  record.fingerprint = "bench";
  await db.put("cases", record);
  await queueCase(caseId, db);
  const queued = performance.now();
  const items = await db.getAllFromIndex("items", "byCase", caseId);
  const state = (await db.get("cases", caseId)).state;
  const envelopeBytes = items.reduce((n, i) => n + i.size, 0);
  await forgetCase(caseId, db);
  return { files: files.length, inputBytes: files.reduce((n, f) => n + f.size, 0), envelopeBytes, state,
    items: items.length, pickToSealedMs: sealed - t0, sendToQueuedMs: queued - sealed, totalMs: queued - t0,
    pickEventToStartMs: t0 - lastPick };
};

/**
 * Baseline: the same File objects put in IndexedDB as they are, one transaction each. With
 * `asBytes`, each file is read into an ArrayBuffer first and the bytes are stored (a copy
 * the browser cannot defer or share with the picked file).
 */
window.storePlain = async (asBytes = false) => {
  const files = Array.from(document.getElementById("photos").files);
  const db = await openDB("bench-baseline", 1, { upgrade(d) { d.createObjectStore("blobs"); } });
  const t0 = performance.now();
  let i = 0;
  for (const file of files) await db.put("blobs", asBytes ? await file.arrayBuffer() : file, i++);
  const ms = performance.now() - t0;
  const stored = await db.count("blobs");
  await db.clear("blobs");
  db.close();
  return { files: files.length, stored, ms };
};

window.benchReady = true;
