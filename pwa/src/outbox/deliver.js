// Delivery of the outbox to the server: exactly once, resumable, safe to run from the page
// and from the service worker (Background Sync) alike.
//
// Every id is made by the phone and every write is idempotent on the server, so anything we
// are unsure about is simply sent again; a local copy is deleted only after the server has
// confirmed it. A Web Lock keeps two contexts from uploading the same bytes at once.
//
// Items are delivered independently: each has its own attempts and its own time for the next
// one (`retryAt`), so a blocked item (a 507, a proxy that refuses big bodies, a stalled
// connection) never holds another item or another case. Within a case, the report waits only
// until every attachment has been announced (or tried once), so that a refusal can still be
// settled before the report leaves (docs/decisions.md, "a refused attachment").
import { withWork } from "../pow/work.js";
import { call, Refused, RetryLater } from "./api.js";
import { WAIT } from "./classify.js";
import { openOutbox } from "./db.js";
import { listen, announce as tell } from "./events.js";
import { createLimiter } from "./limiter.js";
import { backoffDelay } from "./scheduler.js";
import { isUploaded, sendChunked, sendWhole } from "./send.js";
import { deleteItemData, getMeta, itemsOf, reviveMisclassified, setMeta, settleCase, STATES, update } from "./store.js";
import { defaultTransport } from "./transport.js";
import { Uplink } from "./uplink.js";

export { DIRECT_LIMIT } from "./send.js";
export { Refused, RetryLater };
export const LOCK = "tipline-delivery";
/** How long a report waits for the citizen's choice about a refused attachment (page open). */
export const HOLD_MS = 15 * 60_000;

class CaseGone extends Error {}

/** Opening a case registers its mailbox (docs/conversation.md): id and Ed25519 key, public by design. */
function openCaseBody(record) {
  const mailbox = record?.mailbox;
  if (!mailbox?.id || !mailbox?.verify_key) return {};
  return { body: JSON.stringify({ mailbox: { id: mailbox.id, verify_key: mailbox.verify_key } }),
    headers: { "Content-Type": "application/json" } };
}

// Cases this context has opened on the server (PUT /cases/{id} is idempotent but costs a round trip).
const opened = new Set();
// Outboxes already checked for records the first version misclassified (once per context).
const revived = new WeakSet();
// The uplink measured in this context, seeded from the outbox's memory of it.
let uplink = null;

function due(item, now) {
  return item.state === STATES.QUEUED && (item.retryAt ?? 0) <= now;
}

/** A refused attachment the citizen has not decided about yet. */
const awaitingChoice = (i) => i.kind === "attachment" && i.state === STATES.FAILED;

class Run {
  constructor(ctx, { keepAliveMs, deadline }) {
    this.ctx = ctx;
    this.keepAliveMs = keepAliveMs;
    this.deadline = deadline;
    this.active = new Map(); // itemId -> promise of its attempt
    this.cooling = new Map(); // itemId -> not before (an attempt that failed without a record)
    this.wake = null; // resolves the loop's wait early (a record changed)
  }

  poke() {
    this.wake?.();
  }

  /** What can go now, and when the next thing will be due. */
  async plan() {
    const { db, now } = this.ctx;
    const at = now();
    const cases = (await db.getAll("cases")).filter((c) => c.state === STATES.QUEUED)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const ready = [];
    let wakeAt = null;
    const later = (t) => {
      wakeAt = wakeAt === null ? t : Math.min(wakeAt, t);
    };
    const waits = new Set();
    for (const record of cases) {
      const items = await itemsOf(record.caseId, db);
      for (const item of items) {
        if (item.state !== STATES.QUEUED || this.active.has(item.itemId)) continue;
        if ((this.cooling.get(item.itemId) ?? 0) > at) {
          later(this.cooling.get(item.itemId));
          continue;
        }
        if (!due(item, at)) {
          later(item.retryAt);
          if (item.wait) waits.add(item.wait);
          continue;
        }
        if (item.kind === "message" && items.some((i) => i.messageId === item.itemId && i.state === STATES.QUEUED &&
          !i.announced && !(i.tries > 0))) continue; // its files are announced first, as a report's
        if (item.kind === "report") {
          const attachments = items.filter((i) => i.kind === "attachment" && i.messageId === undefined);
          // every attachment announced, or tried once, or settled: then a refusal is known
          if (attachments.some((i) => i.state === STATES.QUEUED && !i.announced && !(i.tries > 0))) continue;
          if (attachments.some(awaitingChoice) && (await this.held(record, at))) {
            later(record.holdUntil);
            continue;
          }
        }
        ready.push(item);
      }
    }
    // attachments first: their announcements go before the report they may hold back
    ready.sort((a, b) => Number(a.kind === "report") - Number(b.kind === "report"));
    return { ready, wakeAt, waits };
  }

  /**
   * Whether a report waits for the citizen's choice about a refused attachment. Only a page
   * whose crypto worker still holds the report's plaintext can seal it again without the file
   * (canHold true); it marks the case, so the service worker waits too (canHold null: it cannot
   * know). Without the plaintext (canHold false: the app was closed since) the report goes as
   * it is, and the police see the file as missing.
   */
  async held(record, at) {
    const can = await this.ctx.canHold(record.caseId);
    if (can === true && !record.holdUntil) {
      record.holdUntil = at + HOLD_MS;
      await update(this.ctx.db, "cases", record.caseId, { holdUntil: record.holdUntil });
    }
    return can !== false && (record.holdUntil ?? 0) > at;
  }

  async loop() {
    const { now } = this.ctx;
    for (;;) {
      const { ready, wakeAt, waits } = await this.plan();
      for (const item of ready) this.start(item);
      const wait = wakeAt === null ? null : Math.max(0, wakeAt - now());
      if (this.active.size === 0) {
        if (wait === null) return { status: "done", wakeAt: null, waits };
        if (wait > this.keepAliveMs || now() + wait > this.deadline) return { status: "retry", wakeAt, waits };
      }
      await new Promise((resolve) => {
        this.wake = resolve;
        const timer = wait === null ? null : setTimeout(resolve, wait);
        Promise.race(this.active.values()).then(resolve, resolve);
        this.wakeCleanup = () => clearTimeout(timer);
      });
      this.wakeCleanup?.();
      this.wake = null;
    }
  }

  start(item) {
    const attempt = this.attempt(item).catch((error) => {
      // the outbox itself failed (storage): not again in this run before a while
      console.error("delivery of an item failed", error);
      this.cooling.set(item.itemId, this.ctx.now() + this.ctx.backoffMax);
    }).finally(() => {
      this.active.delete(item.itemId);
      this.poke();
    });
    this.active.set(item.itemId, attempt);
  }

  async attempt(item) {
    const { ctx } = this;
    try {
      await this.openCase(item.caseId);
      if (isUploaded(item)) await sendChunked(ctx, item);
      else await sendWhole(ctx, item);
      await this.delivered(item);
    } catch (error) {
      ctx.uploads.delete(item.itemId);
      if (error instanceof CaseGone) return this.gone(item.caseId);
      try {
        if (error instanceof Refused) await this.refused(item, error);
        else await this.later(item, error);
      } catch (inner) {
        if (inner instanceof CaseGone) return this.gone(item.caseId);
        throw inner;
      }
    }
    return undefined;
  }

  async openCase(caseId) {
    const key = `${this.ctx.base}|${caseId}`;
    if (opened.has(key)) return;
    try {
      const request = openCaseBody(await this.ctx.db.get("cases", caseId));
      // a new case costs a proof of work (pow/work.js); the server ignores it for a known one
      await withWork(this.ctx, { purpose: "case", upfront: true }, (work) =>
        call(this.ctx, "PUT", `/cases/${caseId}`, { ...request, headers: { ...request.headers, ...work } }));
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      // the case itself is refused (a malformed id): nothing in it can ever go
      await update(this.ctx.db, "cases", caseId, { state: STATES.FAILED, error: error.code,
        refusedAt: this.ctx.now() });
      tell({ type: "case", caseId, state: STATES.FAILED });
      throw error;
    }
    opened.add(key);
  }

  async delivered(item) {
    const { db } = this.ctx;
    if (!(await update(db, "items", item.itemId, { state: STATES.DELIVERED, retryAt: null, wait: null, attempt: 0 }))) {
      throw new CaseGone();
    }
    await deleteItemData(item.itemId, db, { keepRecord: true });
    tell({ type: "item", caseId: item.caseId, itemId: item.itemId, kind: item.kind, state: STATES.DELIVERED });
    await this.settle(item.caseId);
  }

  async refused(item, error) {
    const { db, now } = this.ctx;
    const changes = { state: STATES.FAILED, error: error.code, errorStatus: error.status, refusedAt: now(),
      tries: (item.tries ?? 0) + 1, retryAt: null, wait: null };
    if (!(await update(db, "items", item.itemId, changes))) throw new CaseGone();
    tell({ type: "item", caseId: item.caseId, itemId: item.itemId, kind: item.kind, state: STATES.FAILED,
      error: error.code });
    if (item.kind === "report" && error.code === "slot_taken" && (await db.get("cases", item.caseId))?.resealed) {
      // The report sealed again arrived second: the first one (naming the withdrawn file) got
      // there while the citizen chose. The server keeps that one; this one is not needed.
      await update(db, "items", item.itemId, { state: STATES.WITHDRAWN });
      await deleteItemData(item.itemId, db, { keepRecord: true });
      await this.settle(item.caseId);
      return;
    }
    if (item.kind === "report") {
      // without its report a case means nothing: the whole case is refused
      await update(db, "cases", item.caseId, { state: STATES.FAILED, error: error.code, refusedAt: now() });
      tell({ type: "case", caseId: item.caseId, state: STATES.FAILED });
    }
  }

  async later(item, error) {
    const { db, now, random } = this.ctx;
    if (!(error instanceof RetryLater)) console.error("delivery of an item failed", error);
    if (error?.code === "case_not_found") opened.delete(`${this.ctx.base}|${item.caseId}`);
    const current = await db.get("items", item.itemId);
    if (!current) throw new CaseGone();
    // an attempt that moved bytes starts the backoff again: a lossy link is not a dead one
    const attempt = error?.progressed ? 1 : (current.attempt ?? 0) + 1;
    const delay = Math.max(backoffDelay(attempt - 1, { base: this.ctx.backoffBase, max: this.ctx.backoffMax, random }),
      error?.retryAfterMs ?? 0);
    const wait = error instanceof RetryLater ? error.wait : WAIT.NETWORK;
    const retryAt = now() + delay;
    if (!(await update(db, "items", item.itemId, { attempt, retryAt, wait, tries: (current.tries ?? 0) + 1 }))) {
      throw new CaseGone();
    }
    tell({ type: "waiting", caseId: item.caseId, itemId: item.itemId, wait, retryAt });
  }

  async settle(caseId) {
    const record = await settleCase(caseId, this.ctx.db, this.ctx.now());
    if (!record) throw new CaseGone();
    tell({ type: "case", caseId, state: record.state });
  }

  async gone(caseId) {
    // erased by the citizen meanwhile: make sure nothing of it stays
    for (const item of await itemsOf(caseId, this.ctx.db)) await deleteItemData(item.itemId, this.ctx.db);
  }
}

/** Progress events, at most two a second per item (the last one, the whole item, always). */
function throttledProgress(every = 500) {
  const last = new Map();
  return (item, sent) => {
    const now = Date.now();
    if (sent < item.size && now - (last.get(item.itemId) ?? 0) < every) return;
    last.set(item.itemId, now);
    tell({ type: "progress", caseId: item.caseId, itemId: item.itemId, sent, total: item.size });
  };
}

async function run(options) {
  const db = options.db ?? (await openOutbox());
  uplink ??= Uplink.from(await getMeta("uplink", db).catch(() => null));
  const ctx = {
    db,
    base: options.base,
    transport: options.transport ?? defaultTransport(options.fetchFn),
    pieces: createLimiter(options.parallel),
    small: createLimiter(options.parallel),
    uploadSlots: createLimiter(options.parallel),
    lanes: options.parallel,
    uplink: options.uplink ?? uplink,
    now: options.now,
    random: options.random,
    backoffBase: options.backoffBase,
    backoffMax: options.backoffMax,
    canHold: options.canHold,
    solvePow: options.solvePow, // the page's crypto worker; unset: solved in this context
    uploads: new Map(),
    progress: throttledProgress(),
  };
  const loop = new Run(ctx, { keepAliveMs: options.keepAliveMs, deadline: ctx.now() + options.budgetMs });
  ctx.remember = async (item, changes) => {
    if (!(await update(db, "items", item.itemId, changes))) throw new CaseGone();
    loop.poke(); // an attachment announced may free its report
  };
  ctx.stillWanted = async (item) => {
    if (!(await db.get("cases", item.caseId))) throw new CaseGone();
  };
  if (!revived.has(db)) {
    revived.add(db);
    await reviveMisclassified(db);
  }
  // "Send now" or a network back, in a page, while this run (maybe the service worker's) holds
  // the lock: the items it waits for may have become due.
  const stopListening = listen((message) => {
    if (message?.type === "kick") loop.poke();
  });
  try {
    return await loop.loop();
  } finally {
    stopListening();
    if (ctx.uplink.measured) await setMeta("uplink", ctx.uplink.toJSON(), db).catch(() => {});
  }
}

const DEFAULTS = {
  base: "",
  db: null,
  parallel: 2,
  keepAliveMs: 0, // the page ends a run when nothing is due now (its scheduler wakes it again)
  budgetMs: Infinity,
  now: () => Date.now(),
  random: Math.random,
  backoffBase: 2000,
  backoffMax: 30_000,
  canHold: async () => null, // see Run.held: the page tells, the service worker cannot
};

/**
 * Deliver every queued case. Resolves to {status, wakeAt, waits}: status "done" (nothing left
 * to send now or later), "retry" (something waits until wakeAt; waits holds why, see
 * classify.js WAIT) or "busy" (another page or the service worker is at it). With `wait` (the
 * service worker's Background Sync), it waits for the lock instead of answering "busy": if the
 * page delivering now is closed, its lock is freed and the worker carries on.
 * @param {Partial<typeof DEFAULTS> & { wait?: boolean, locks?: LockManager, transport?: any, fetchFn?: typeof fetch,
 *   uplink?: any, solvePow?: (challenge: any) => Promise<any> }} [options]
 */
export async function deliver(options = {}) {
  const opts = { ...DEFAULTS, ...options };
  const locks = options.locks ?? globalThis.navigator?.locks;
  if (!locks) return run(opts);
  if (opts.wait) return locks.request(LOCK, () => run(opts));
  return locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? run(opts) : { status: "busy", wakeAt: null,
    waits: new Set() }));
}

/** deliver(), answering only its status ("done", "retry" or "busy"). */
export async function deliverAll(options = {}) {
  return (await deliver(options)).status;
}

/** Forget what this context measured and opened (tests, and a change of server). */
export function resetDeliveryMemory() {
  opened.clear();
  uplink = null;
}
