// What a report draft and a message being written share: picked files stripped and sealed at
// once in the worker into the outbox (so no File and no plaintext of it stays), their states for
// components/file-list.js, and a Web Lock that keeps the start-up cleanup away from those files.
import { deleteItemData, draftLockName } from "../outbox/store.js";
import { callWorker } from "./worker-client.js";

export const randomHex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
  b.toString(16).padStart(2, "0")).join("");

export class FileSealer {
  /** @param {string} caseId @param {Function} [worker] */
  constructor(caseId, worker = callWorker) {
    this.caseId = caseId;
    /** @type {any[]} */
    this.attachments = [];
    this.worker = worker;
    /** @type {null | ((value?: any) => void)} */
    this.release = null;
  }

  /** @returns {Uint8Array[]} the keys a file is sealed to; each kind of draft says which */
  fileRecipients() {
    throw new Error("fileRecipients() is the subclass's");
  }

  async lock() {
    if (!navigator.locks || this.release) return;
    await new Promise((granted) => {
      navigator.locks.request(draftLockName(this.caseId), () => {
        granted();
        return new Promise((release) => (this.release = release));
      });
    });
  }

  unlock() {
    this.release?.();
    this.release = null;
  }

  busy() {
    return this.attachments.some((a) => a.status === "working");
  }

  /** Strip and encrypt one picked file as `part`; `update` is called on every change of its state. */
  async sealNew(file, part, update) {
    const att = {
      localId: randomHex(8), itemId: randomHex(16), part, name: file.name || "fichier",
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
      const result = await this.worker("seal-file", { caseId: this.caseId, itemId: att.itemId, part: att.part,
        file: att.file, force, recipients: this.fileRecipients() }, {
        onProgress: (p) => {
          Object.assign(att, { phase: p.phase, progress: p.total ? p.done / p.total : 0 });
          update(att);
        },
      });
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
}
