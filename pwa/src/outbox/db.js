// The outbox: IndexedDB (through idb), holding only ciphertext and what delivery needs.
//
//   cases   {caseId, state, createdAt, deliveredAt?, fingerprint, receipt?, mailbox?, conversation?}
//           receipt only if the citizen chose; mailbox {id, verify_key} is public (it opens the case)
//   items   {itemId, caseId, kind, part, size, sha256, headerB64, chunkSize, chunkCount, state, error?}
//   chunks  {itemId, index, data}      the envelope, cut into upload-sized pieces
//   meta    key -> value               the last verified key bundle
//
// No file name, no report field, nothing in plaintext: a phone taken from its owner shows
// that reports exist, not what they say.
import { openDB } from "idb";

export const DB_NAME = "tipline-outbox";
export const DB_VERSION = 1;

let opening = null;

export function openOutbox(name = DB_NAME) {
  if (name !== DB_NAME) return open(name);
  opening ??= open(name);
  return opening;
}

function open(name) {
  return openDB(name, DB_VERSION, {
    upgrade(db) {
      db.createObjectStore("cases", { keyPath: "caseId" });
      const items = db.createObjectStore("items", { keyPath: "itemId" });
      items.createIndex("byCase", "caseId");
      db.createObjectStore("chunks", { keyPath: ["itemId", "index"] });
      db.createObjectStore("meta");
    },
  });
}
