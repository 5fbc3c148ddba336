// Python ↔ JavaScript beyond the vectors: random keys and content, sealed on one side and
// opened on the other with the reference implementation (envelope/ in the project's venv).
import { execFileSync } from "node:child_process";
import { mkdtempSync, openSync, readSync, rmSync, writeFileSync, closeSync, fstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kind } from "../../../pwa/src/crypto/constants.js";
import { ERROR_CODES } from "../../../pwa/src/crypto/errors.js";
import { decryptStream } from "../../../pwa/src/crypto/open.js";
import { deriveReceiptKeys, formatReceipt, newReceipt } from "../../../pwa/src/crypto/receipt.js";
import { sealBytes } from "../../../pwa/src/crypto/seal.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { hex, PYTHON, REPO, sha256hex } from "./vectors.js";

let s;
let dir;

function python(code, ...args) {
  return JSON.parse(execFileSync(PYTHON, ["-c", code, ...args], { cwd: REPO, encoding: "utf8" }));
}

/** A `{ size, read }` source over a file, read piece by piece as the app reads picked files. */
function fileSource(path) {
  const fd = openSync(path, "r");
  return {
    size: fstatSync(fd).size,
    read: async (offset, length) => {
      const buf = new Uint8Array(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, offset));
    },
    close: () => closeSync(fd),
  };
}

beforeAll(async () => {
  s = await sodium();
  dir = mkdtempSync(join(tmpdir(), "tipline-crosscheck-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OPEN_IN_PYTHON = `
import hashlib, json, sys
from envelope.header import check_envelope_size, parse_header
from envelope.open import Identity, decrypt_bytes
data = open(sys.argv[1], "rb").read()
check_envelope_size(parse_header(data), len(data))
out = []
for sk in sys.argv[2:]:
    content, r = decrypt_bytes(data, [Identity(bytes.fromhex(sk))])
    out.append({"sha256": hashlib.sha256(content).hexdigest(), "header_hash": r.header_hash.hex(),
                "key_id": r.key_id.hex(), "kind": int(r.header.kind), "part": r.header.part_index,
                "case_id": r.header.case_id.hex(), "length": r.content_length})
print(json.dumps(out))
`;

const SEAL_IN_PYTHON = `
import hashlib, json, os, sys
from envelope.constants import Kind
from envelope.seal import encrypt_bytes
content = os.urandom(int(sys.argv[2]))
data, r = encrypt_bytes(content, kind=Kind.REPLY, case_id=os.urandom(16), part_index=4,
                        recipients=[bytes.fromhex(pk) for pk in sys.argv[3:]])
open(sys.argv[1], "wb").write(data)
print(json.dumps({"sha256": hashlib.sha256(content).hexdigest(), "header_hash": r.header_hash.hex()}))
`;

describe("envelopes", () => {
  it.each([0, 4089, 65528, 200003])("JavaScript seals %i bytes, Python opens them", async (length) => {
    const keys = [s.crypto_box_keypair(), s.crypto_box_keypair()];
    const content = s.randombytes_buf(length);
    const caseId = s.randombytes_buf(16);
    const { envelope, headerHash } = await sealBytes(content, {
      kind: Kind.ATTACHMENT,
      caseId,
      partIndex: 7,
      recipients: keys.map((k) => k.publicKey),
    });
    const path = join(dir, `js-${length}.tipenv`);
    writeFileSync(path, envelope);
    const opened = python(OPEN_IN_PYTHON, path, ...keys.map((k) => hex(k.privateKey)));
    expect(opened).toEqual(
      keys.map((k) => ({
        sha256: sha256hex(content),
        header_hash: hex(headerHash),
        key_id: hex(s.crypto_generichash(32, k.publicKey).subarray(0, 8)),
        kind: Kind.ATTACHMENT,
        part: 7,
        case_id: hex(caseId),
        length,
      })),
    );
  });

  it.each([0, 65529, 300000])("Python seals %i bytes, JavaScript opens them from a file", async (length) => {
    const key = s.crypto_box_keypair();
    const other = s.crypto_box_keypair();
    const path = join(dir, `py-${length}.tipenv`);
    const sealed = python(SEAL_IN_PYTHON, path, String(length), hex(other.publicKey), hex(key.publicKey));
    const source = fileSource(path);
    try {
      const pieces = [];
      const identity = { publicKey: key.publicKey, secretKey: key.privateKey };
      const result = await decryptStream(source, [identity], async (piece) => pieces.push(piece));
      expect(sha256hex(Buffer.concat(pieces))).toBe(sealed.sha256);
      expect(hex(result.contentSha256)).toBe(sealed.sha256);
      expect(hex(result.headerHash)).toBe(sealed.header_hash);
      expect(result.header.kind).toBe(Kind.REPLY);
      expect(result.header.partIndex).toBe(4);
    } finally {
      source.close();
    }
  });
});

describe("error codes", () => {
  it("are the ones the Python reference raises", () => {
    const py = python(`
import json
from envelope import errors, receipt
def codes(cls):
    return {cls.code}.union(*(codes(sub) for sub in cls.__subclasses__()))
print(json.dumps(sorted(codes(errors.EnvelopeError) - {"envelope_error", "bundle_error"})))
`);
    expect([...ERROR_CODES].sort()).toEqual(py);
  });
});

describe("receipts", () => {
  it("a fresh receipt gives the same keys and mailbox id on both sides", () => {
    const receipt = newReceipt();
    const js = deriveReceiptKeys(receipt);
    const py = python(
      `
import json, sys
from envelope.receipt import derive_receipt_keys, parse_receipt
k = derive_receipt_keys(parse_receipt(sys.argv[1]))
print(json.dumps([k.x25519_public.hex(), k.x25519_secret.hex(), k.ed25519_public.hex(), k.ed25519_secret.hex(),
                  k.mailbox_id]))
`,
      formatReceipt(receipt).toLowerCase(),
    );
    expect(py).toEqual([
      hex(js.x25519.publicKey),
      hex(js.x25519.secretKey),
      hex(js.ed25519.publicKey),
      hex(js.ed25519.secretKey),
      js.mailboxId,
    ]);
  });
});
