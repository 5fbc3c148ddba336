// The report being written. Its text lives in this page's memory (and, only if the citizen
// asks, sealed with their passphrase: draft-vault.js); picked files are stripped and encrypted
// at once (in the worker) into the outbox as draft items, so the File is not needed later and
// no plaintext file is ever stored. A Web Lock marks the draft as in use, so a cleanup in
// another tab never deletes it.
import { openOutbox } from "../outbox/db.js";
import { deleteItemData, forgetCase, getCase, itemsOf, putCase, queueCase, STATES } from "../outbox/store.js";
import { FileSealer, randomHex } from "./file-sealer.js";
import { policeKey } from "./police-key.js";
import { callOnce, callWorker } from "./worker-client.js";

let persistAsked = false;

export class Draft extends FileSealer {
  constructor() {
    super(randomHex(16));
    this.nextPart = 1;
    this.receipt = callOnce("new-receipt"); // Argon2id takes a moment: start now
    this.receipt.catch(() => {}); // failures surface at send time
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

  fileRecipients() {
    return this.recipients();
  }

  /** Strip and encrypt one picked file; ``update`` is called on every change of its state. */
  async addFile(file, update) {
    return this.sealNew(file, this.nextPart++, update);
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
