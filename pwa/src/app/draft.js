// The report being written. Its text lives in this page's memory (and, only if the citizen
// asks, sealed with their passphrase: draft-vault.js); picked files are stripped and encrypted
// at once (in the worker) into the outbox as draft items, so the File is not needed later and
// no plaintext file is ever stored. A Web Lock marks the draft as in use, so a cleanup in
// another tab never deletes it.
import { openOutbox } from "../outbox/db.js";
import { deleteItemData, draftLockName, forgetCase, getCase, itemsOf, putCase, queueCase, STATES } from "../outbox/store.js";
import { policeKey } from "./police-key.js";
import { callOnce, callWorker } from "./worker-client.js";

const randomHex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
  b.toString(16).padStart(2, "0")).join("");

let persistAsked = false;

export class Draft {
  constructor() {
    this.caseId = randomHex(16);
    this.attachments = [];
    this.nextPart = 1;
    this.release = null;
    this.receipt = callOnce("new-receipt"); // Argon2id takes a moment: start now
    this.receipt.catch(() => {}); // failures surface at send time
  }

  async lock() {
    if (!navigator.locks) return;
    await new Promise((granted) => {
      navigator.locks.request(draftLockName(this.caseId), () => {
        granted();
        return new Promise((release) => (this.release = release));
      });
    });
  }

  /**
   * The draft of a kept state (draft-vault.js), with its sealed files if they are still in the
   * outbox; a new draft if its case is gone.
   */
  /** @param {{ caseId?: string, attachments?: any[], nextPart?: number }} [kept] */
  static async resume({ caseId, attachments = [], nextPart = 1 } = {}) {
    const record = caseId ? await getCase(caseId) : null;
    if (!record || record.state !== STATES.DRAFT) return Draft.start();
    const draft = new Draft();
    draft.caseId = caseId;
    await draft.lock();
    const present = new Set((await itemsOf(caseId)).map((i) => i.itemId));
    draft.attachments = attachments.filter((a) => present.has(a.itemId)).map((a) => ({ ...a, status: "sealed", file: null }));
    draft.nextPart = Math.max(nextPart, 1 + Math.max(0, ...draft.attachments.map((a) => a.part)));
    return draft;
  }

  /** What a kept draft needs to find its sealed files again (no File, no plaintext of them). */
  keptState() {
    return {
      caseId: this.caseId,
      nextPart: this.nextPart,
      attachments: this.attachments.filter((a) => a.status === "sealed").map(({ localId, itemId, part, name, size,
        removed, kept, entry, raw }) => ({ localId, itemId, part, name, size, removed, kept, entry, raw })),
    };
  }

  static async start() {
    const draft = new Draft();
    await draft.lock();
    await putCase({ caseId: draft.caseId, state: STATES.DRAFT, createdAt: new Date().toISOString() });
    if (!persistAsked && navigator.storage?.persist) {
      persistAsked = true;
      navigator.storage.persist().catch(() => {}); // ask the browser not to evict the outbox
    }
    return draft;
  }

  recipients() {
    const key = policeKey();
    if (key.status !== "ok") throw new Error("the police key is not verified");
    return key.bundle.publicKeys;
  }

  busy() {
    return this.attachments.some((a) => a.status === "working");
  }

  /** Strip and encrypt one picked file; ``update`` is called on every change of its state. */
  async addFile(file, update) {
    const att = {
      localId: randomHex(8), itemId: randomHex(16), part: this.nextPart++, name: file.name || "fichier",
      size: file.size, file, status: "working", phase: "stripping", progress: 0, removed: [], kept: [],
    };
    this.attachments.push(att);
    update(att);
    await this.seal(att, false, update);
    return att;
  }

  async seal(att, force, update) {
    att.status = "working";
    update(att);
    try {
      const result = await callWorker(
        "seal-file",
        { caseId: this.caseId, itemId: att.itemId, part: att.part, file: att.file, force, recipients: this.recipients() },
        {
          onProgress: (p) => {
            Object.assign(att, { phase: p.phase, progress: p.total ? p.done / p.total : 0 });
            update(att);
          },
        },
      );
      if (!this.attachments.includes(att)) {
        await deleteItemData(att.itemId); // removed while it was being encrypted
        return;
      }
      Object.assign(att, { status: result.status, reason: result.reason ?? null, removed: result.removed ?? [],
        kept: result.kept ?? [], entry: result.entry ?? null, raw: force });
      if (result.status === "sealed") att.file = null; // the File is not needed any more
    } catch (error) {
      Object.assign(att, { status: "failed", error: error.message });
    }
    update(att);
  }

  async sendAnyway(att, update) {
    await this.seal(att, true, update);
  }

  async remove(att) {
    this.attachments = this.attachments.filter((a) => a !== att);
    await deleteItemData(att.itemId);
  }

  /** Encrypt the report (which binds the sealed attachments) and queue the whole case. */
  async send(buildReport) {
    if (this.busy()) throw new Error("a file is still being encrypted");
    let keys;
    try {
      keys = await this.receipt;
    } catch {
      // Argon2id may have run out of memory (a low-end phone sealing a video meanwhile): draw a
      // new receipt now rather than leave this report unsendable.
      this.receipt = callOnce("new-receipt");
      keys = await this.receipt;
    }
    const { receipt, mailbox } = keys;
    const sealed = this.attachments.filter((a) => a.status === "sealed");
    for (const stale of this.attachments.filter((a) => a.status !== "sealed")) await deleteItemData(stale.itemId);
    const report = buildReport({ entries: sealed.map((a) => a.entry), mailbox });
    await callWorker("seal-report", {
      caseId: this.caseId, itemId: randomHex(16), report, recipients: this.recipients(),
    });
    const db = await openOutbox();
    const record = await db.get("cases", this.caseId);
    const prints = policeKey().bundle.fingerprints;
    record.fingerprint = (prints.find((f) => f.role === "primary") ?? prints[0])?.fingerprint ?? "";
    // public by design: what lets the citizen come back with the receipt (docs/conversation.md)
    record.mailbox = { id: mailbox.id, verify_key: mailbox.ed25519 };
    await db.put("cases", record);
    await queueCase(this.caseId, db);
    this.attachments = [];
    this.release?.();
    return { caseId: this.caseId, receipt };
  }

  async discard() {
    this.attachments = [];
    await forgetCase(this.caseId);
    this.release?.();
  }
}
