// The crypto worker: everything that touches libsodium or reads a picked file runs here, off
// the page's thread. Picked files are stripped of metadata and encrypted straight into the
// outbox, 64 KiB at a time: a 500 MB video never sits whole in memory, and once this returns
// the page no longer needs the File (Android may revoke it).
/* global __TIPLINE_ROOT_KEY__ */
import { parseRootKeyDocument, verifyBundle } from "../crypto/bundle.js";
import { Kind } from "../crypto/constants.js";
import { fingerprint } from "../crypto/keys.js";
import { attachmentEntry } from "../crypto/manifest.js";
import { safeName } from "../crypto/names.js";
import { deriveReceiptKeys, formatReceipt, newReceipt } from "../crypto/receipt.js";
import { sealStream } from "../crypto/seal.js";
import { readySodium, sodium } from "../crypto/sodium.js";
import { bytesSource } from "../crypto/source.js";
import { SNIFF_BYTES, sniff } from "../media/sniff.js";
import { readSequential } from "../media/source.js";
import { stripMetadata } from "../media/strip.js";
import { STATES } from "../outbox/store.js";
import { OutboxWriter } from "../outbox/writer.js";
import { solve } from "../pow/solve.js";
import { conversationOps } from "./conversation-ops.js";
import { deriveDraftKey } from "./draft-key.js";

const ready = sodium();
let rootKey = null;
// The plaintext of each report sealed by this worker, in memory only (never stored), until the
// page says it is delivered or erased: if the server refuses one of its attachments for good,
// the citizen can send the rest and the report is sealed again without it (docs/decisions.md).
// A page closed takes it along; the report then goes as it was sealed.
const reports = new Map(); // caseId -> report object
const MAX_HELD = 20;

const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
const fromB64 = (text) => readySodium().from_base64(text, readySodium().base64_variants.ORIGINAL);
const toB64 = (bytes) => readySodium().to_base64(bytes, readySodium().base64_variants.ORIGINAL);
const SPACE_MARGIN = 16 * 1024 * 1024;

/** A picked file read as it is (only when the citizen chose to send an uncleanable file). */
function blobSource(blob) {
  return { size: blob.size, read: (offset, length) => readSequential(blob, offset, length) };
}

async function enoughSpace(bytes) {
  const estimate = await navigator.storage?.estimate?.();
  if (!estimate?.quota) return true; // unknown: try, a failed write is reported anyway
  return estimate.quota - (estimate.usage ?? 0) > bytes * 1.02 + SPACE_MARGIN;
}

async function sealInto(writer, source, options, report) {
  let done = 0;
  const result = await sealStream(source, async (bytes) => {
    await writer.write(bytes);
    done += bytes.length;
    report(done);
  }, options);
  const item = await writer.finish({
    headerBytes: result.headerBytes,
    envelopeSize: result.envelopeSize,
    envelopeSha256: readySodium().to_hex(result.envelopeSha256),
    state: STATES.DRAFT,
  });
  return { result, item };
}

const ops = {
  async "verify-bundle"({ document, minSequence, origin, now }) {
    try {
      const bundle = verifyBundle(document, rootKey, { origin, now: new Date(now), minSequence });
      return {
        ok: true,
        bundle: {
          sequence: bundle.sequence,
          expires: bundle.expires.toISOString(),
          publicKeys: bundle.publicKeys.map(toB64),
          fingerprints: bundle.recipients.map((r) => ({ role: r.role, fingerprint: fingerprint(r.publicKey) })),
        },
      };
    } catch (error) {
      if (error.code) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  },

  async "new-receipt"() {
    const receipt = newReceipt();
    const keys = deriveReceiptKeys(receipt);
    return {
      receipt: formatReceipt(receipt),
      mailbox: { id: keys.mailboxId, x25519: toB64(keys.x25519.publicKey), ed25519: toB64(keys.ed25519.publicKey) },
    };
  },

  // a kept draft's key, from the citizen's passphrase (app/draft-vault.js)
  async "draft-key"(payload) {
    return deriveDraftKey(payload);
  },

  async "seal-file"({ caseId, itemId, part, file, force, recipients }, progress) {
    progress({ phase: "stripping", done: 0, total: file.size });
    let source;
    let mediaType; // from the bytes (forced) or from the cleaner, never the picker's claim
    let removed = [];
    let kept = [];
    if (force) {
      // Sent as it is, at the citizen's request: the type comes from the bytes (the picker's
      // guess can be wrong or empty), and the manifest says it was not cleaned.
      source = blobSource(file);
      mediaType = sniff(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer())).mediaType;
    } else {
      const stripped = await stripMetadata(file, { name: file.name, type: file.type });
      if (stripped.status !== "cleaned") return { status: stripped.status, reason: stripped.reason };
      ({ source, mediaType, removed, kept } = stripped);
    }
    if (!(await enoughSpace(source.size))) return { status: "no_space" };
    const writer = new OutboxWriter({ itemId, caseId, kind: "attachment", part });
    const options = { kind: Kind.ATTACHMENT, caseId: hexToBytes(caseId), partIndex: part,
      recipients: recipients.map(fromB64), envelopeId: hexToBytes(itemId) };
    try {
      let last = 0;
      const { result } = await sealInto(writer, source, options, (done) => {
        if (done - last >= 256 * 1024 || done === source.size) {
          last = done;
          progress({ phase: "encrypting", done, total: source.size });
        }
      });
      // The name as every reader will sanitise it (docs/envelope.md, section 16): no path, no
      // invisible or control character, at most 100 characters, the extension of the type found
      // in the bytes. It can no longer carry a folder name, a user name or a device's naming.
      const name = safeName(file.name || "", mediaType);
      const entry = { ...attachmentEntry(result, { name, mediaType }), removed,
        ...(force ? { cleaned: false } : {}) };
      return { status: "sealed", removed, kept, entry };
    } catch (error) {
      await writer.abort();
      throw error;
    }
  },

  async "seal-report"({ caseId, itemId, report, recipients }) {
    const item = await sealReport({ caseId, itemId, report, recipients });
    reports.delete(caseId);
    reports.set(caseId, report);
    while (reports.size > MAX_HELD) reports.delete(reports.keys().next().value);
    return { itemId: item.itemId, size: item.size };
  },

  /** Whether this worker still holds the report of `caseId` (and so can seal it again). */
  async "has-report"({ caseId }) {
    return { held: reports.has(caseId) };
  },

  /**
   * The report of `caseId` sealed again into a new draft item `itemId`, without the attachments
   * of `dropParts`, which it lists under `withdrawn` with the server's reason, so the police
   * know what the citizen meant to send (docs/report.md).
   */
  async "reseal-report"({ caseId, itemId, dropParts, reasons = {}, recipients }) {
    const held = reports.get(caseId);
    if (!held) return { status: "forgotten" };
    const dropped = (held.attachments ?? []).filter((e) => dropParts.includes(e.part));
    const report = {
      ...held,
      attachments: (held.attachments ?? []).filter((e) => !dropParts.includes(e.part)),
      withdrawn: [...(held.withdrawn ?? []), ...dropped.map((e) => ({ part: e.part, name: e.name,
        media_type: e.media_type, length: e.length, reason: reasons[e.part] ?? "refused" }))],
    };
    const item = await sealReport({ caseId, itemId, report, recipients });
    reports.set(caseId, report);
    return { status: "resealed", itemId: item.itemId, size: item.size };
  },

  // a proof of work for the outbox (pow/work.js): {number, tries, ms} or null
  async "solve-pow"({ challenge }) {
    return solve(challenge);
  },

  async "forget-report"({ caseId }) {
    reports.delete(caseId);
    return {};
  },

  // the conversation: receipts typed back, the mailbox's challenge, messages (conversation-ops.js)
  ...conversationOps,
};

async function sealReport({ caseId, itemId, report, recipients }) {
  const bytes = new TextEncoder().encode(JSON.stringify(report));
  const writer = new OutboxWriter({ itemId, caseId, kind: "report", part: 0 });
  const options = { kind: Kind.REPORT, caseId: hexToBytes(caseId), partIndex: 0,
    recipients: recipients.map(fromB64), envelopeId: hexToBytes(itemId) };
  try {
    const { item } = await sealInto(writer, bytesSource(bytes), options, () => {});
    return item;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

self.onmessage = async ({ data }) => {
  const { id, op, ...payload } = data;
  const progress = (p) => self.postMessage({ id, type: "progress", ...p });
  try {
    await ready;
    rootKey ??= parseRootKeyDocument(__TIPLINE_ROOT_KEY__);
    const handler = ops[op];
    if (!handler) throw new Error(`unknown operation ${op}`);
    self.postMessage({ id, type: "result", value: await handler(payload, progress) });
  } catch (error) {
    self.postMessage({ id, type: "error", message: String(error?.message ?? error), code: error?.code ?? null });
  }
};
