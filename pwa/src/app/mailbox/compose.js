// A message being written in the conversation: text in memory, photos and videos stripped and
// sealed at once in the worker into the outbox (as a report's are, components/file-list.js
// drives both), then the message itself sealed and queued with its files in one transaction.
// Sealed to the police bundle's keys and to the receipt's X25519 key (docs/conversation.md).
// The draft lock keeps the start-up cleanup away from its files while it is being written.
import { deleteItemData, getCase, putCase, queueMessage, STATES } from "../../outbox/store.js";
import { FileSealer, randomHex } from "../file-sealer.js";
import { policeKey } from "../police-key.js";
import { callWorker } from "../worker-client.js";

/** A part number for a message's file: 1024 and up, drawn at random (docs/conversation.md). */
export function messagePart() {
  return 1024 + (crypto.getRandomValues(new Uint32Array(1))[0] % (2 ** 31 - 1024));
}

export class MessageDraft extends FileSealer {
  /** `session`: the open conversation (caseId, mailboxId, keys). */
  constructor(session, { worker = callWorker, key = policeKey } = {}) {
    super(session.caseId, worker);
    this.keys = session.keys; // the receipt's: its Ed25519 key signs the message, its X25519 key reads it back
    this.citizenX25519 = session.keys.x25519.publicKey;
    this.mailbox = { id: session.mailboxId, verify_key: session.keys.ed25519.publicKey };
    this.key = key;
  }

  /** A case this phone never sent gets a draft record first, so the cleanup finds its files if abandoned. */
  async ensureCase() {
    if (await getCase(this.caseId)) return;
    await putCase({ caseId: this.caseId, state: STATES.DRAFT, createdAt: new Date().toISOString(),
      conversation: true });
  }

  recipients() {
    const key = this.key();
    if (key.status !== "ok") throw new Error("the police key is not verified");
    return key.bundle.publicKeys;
  }

  fileRecipients() {
    return [...this.recipients(), this.citizenX25519];
  }

  async addFile(file, update) {
    await this.lock();
    await this.ensureCase();
    return this.sealNew(file, messagePart(), update);
  }

  /** Whether there is something to send: text, or a sealed file. */
  ready(text) {
    const sealed = this.attachments.some((a) => a.status === "sealed");
    return !this.busy() && (String(text ?? "").trim().length > 0 || sealed);
  }

  /** Seal the message (binding its sealed files) and queue it. Resolves to its item id. */
  async send(text, { now = new Date() } = {}) {
    if (this.busy()) throw new Error("a file is still being encrypted");
    await this.lock();
    const sealed = this.attachments.filter((a) => a.status === "sealed");
    for (const stale of this.attachments.filter((a) => a.status !== "sealed")) await deleteItemData(stale.itemId);
    const itemId = randomHex(16);
    await this.worker("seal-message", {
      caseId: this.caseId, itemId, text, attachments: sealed.map((a) => a.entry),
      writtenAt: now.toISOString().slice(0, 16) + "Z", recipients: this.recipients(), keys: this.keys,
    });
    await queueMessage(this.caseId, itemId, sealed.map((a) => a.itemId), { now: now.getTime(), mailbox: this.mailbox });
    this.attachments = [];
    this.unlock();
    return itemId;
  }

  /** Leaving without sending: the sealed files go. */
  async discard() {
    for (const att of this.attachments) await deleteItemData(att.itemId).catch(() => {});
    this.attachments = [];
    this.unlock();
  }
}
