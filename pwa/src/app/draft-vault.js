// A draft kept on the phone, only if the citizen asks, sealed with a key stretched from a
// passphrase they choose (docs/decisions.md, "Drafts kept on the phone"):
//
// - the key is derived with Argon2id in a throwaway worker (worker/draft-key.js) and held in
//   this page's memory only, as a non-extractable AES-GCM key; nothing that opens the draft is
//   ever written to the phone;
// - what is stored ("tipline-draft" database) is the salt, the Argon2id parameters, the case id
//   (so that the draft's sealed photos are not cleaned up at start) and the ciphertext;
// - someone holding the phone sees that a draft exists, and can read it only with the
//   passphrase (at about a second per guess on a phone: a short passphrase can be found);
// - it is wiped after sending, by "Quitter rapidement", and when the citizen unticks the box.
import { openDB } from "idb";
import { callOnce } from "./worker-client.js";

const DB_NAME = "tipline-draft";
const STORE = "kept";
const KEY = "current";
const AAD = new TextEncoder().encode("tipline draft v1");
export const MIN_PASSPHRASE = 8;

let opening = null;
function db() {
  opening ??= openDB(DB_NAME, 1, { upgrade: (d) => d.createObjectStore(STORE) });
  return opening;
}

export class WrongPassphrase extends Error {}

/** The stored record, or null: { v, caseId, kdf: { salt, opslimit, memlimit }, iv, ciphertext }. */
export async function keptDraft() {
  // looking must not create an empty database where there was none
  const list = await indexedDB.databases?.().catch(() => null);
  if (list && !list.some((d) => d.name === DB_NAME)) return null;
  return (await (await db()).get(STORE, KEY)) ?? null;
}

async function importKey(raw) {
  try {
    return await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  } finally {
    raw.fill(0); // the raw bytes are not needed once the key object holds them
  }
}

export class DraftVault {
  constructor(key, kdf) {
    this.key = key;
    this.kdf = kdf;
  }

  /** A new vault for a new passphrase (a new random salt). */
  static async create(passphrase) {
    const { key, salt, opslimit, memlimit } = await callOnce("draft-key", { passphrase });
    return new DraftVault(await importKey(key), { salt, opslimit, memlimit });
  }

  /** The kept draft opened with a passphrase: { vault, state }; throws WrongPassphrase. */
  static async open(record, passphrase) {
    const { key } = await callOnce("draft-key", { passphrase, ...record.kdf });
    const vault = new DraftVault(await importKey(key), record.kdf);
    let plain;
    try {
      plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: record.iv, additionalData: AAD }, vault.key,
        record.ciphertext);
    } catch {
      throw new WrongPassphrase("wrong passphrase");
    }
    return { vault, state: JSON.parse(new TextDecoder().decode(plain)) };
  }

  /** Seal the draft's state and replace the stored one (one record, overwritten at each save). */
  async save(state) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: AAD }, this.key,
      new TextEncoder().encode(JSON.stringify(state)));
    // the case id in the clear: the draft's sealed photos must survive the cleanup at start (main.js)
    await (await db()).put(STORE, { v: 1, caseId: state.draft?.caseId ?? null, kdf: this.kdf, iv, ciphertext }, KEY);
  }
}

/** Delete the kept draft and its database. */
export async function wipeKeptDraft() {
  if (opening) {
    const handle = await opening.catch(() => null);
    await handle?.delete(STORE, KEY).catch(() => {});
    handle?.close();
    opening = null;
  }
  await new Promise((done) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => done();
  });
}
