// Seal and open with fresh random keys: sizes around the padding floor and chunk boundaries,
// sources and sinks that behave like real ones, resumable chunks and the Encryptor's refusals.
import { beforeAll, describe, expect, it } from "vitest";
import { CHUNK_SIZE, Kind } from "../../../pwa/src/crypto/constants.js";
import { EnvelopeError } from "../../../pwa/src/crypto/errors.js";
import { checkEnvelopeSize, parseHeader } from "../../../pwa/src/crypto/header.js";
import { decryptStream, openEnvelope } from "../../../pwa/src/crypto/open.js";
import { paddedLength } from "../../../pwa/src/crypto/padding.js";
import { Encryptor, sealBytes, sealStream } from "../../../pwa/src/crypto/seal.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { bytesSource } from "../../../pwa/src/crypto/source.js";
import { hex, sha256hex } from "./vectors.js";

let s;
let alice;
let bob;
let caseId;

const keypair = () => {
  const { publicKey, privateKey } = s.crypto_box_keypair();
  return { publicKey, secretKey: privateKey };
};
const random = (n) => crypto.getRandomValues(new Uint8Array(n)); // test content; not secret

function randomContent(length) {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) out.set(random(Math.min(65536, length - i)), i);
  return out;
}

/** A source that answers at most `max` bytes per read, as a slow file or a patched stream may. */
function trickle(bytes, max) {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + Math.min(length, max)) };
}

beforeAll(async () => {
  s = await sodium();
  alice = keypair();
  bob = keypair();
  caseId = random(16);
});

async function codeOf(fn) {
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    return error.code;
  }
  return null;
}

describe("round trips", () => {
  // around the floor (4088 fills 4096), one full chunk (65528), two (131064), and 4259832,
  // whose content ends on a chunk boundary followed by a chunk of padding only
  const sizes = [0, 1, 4087, 4088, 4089, 65527, 65528, 65529, 65536, 131063, 131064, 131065, 4259832];

  it.each(sizes)("%i bytes seal, pass the structural check and open for both recipients", async (length) => {
    const content = randomContent(length);
    const sealed = await sealBytes(content, {
      kind: Kind.ATTACHMENT,
      caseId,
      partIndex: 3,
      recipients: [alice.publicKey, bob.publicKey],
    });
    const { envelope } = sealed;
    const header = parseHeader(envelope);
    checkEnvelopeSize(header, envelope.length);
    expect(header.paddedLength).toBe(paddedLength(length));
    expect(envelope.length).toBe(sealed.envelopeSize);
    expect(hex(sealed.envelopeSha256)).toBe(sha256hex(envelope));
    expect(hex(sealed.contentSha256)).toBe(sha256hex(content));
    for (const identity of [alice, bob]) {
      const opened = await openEnvelope(envelope, [identity]);
      // compared by hash: vitest's deep equality walks megabytes element by element
      expect(sha256hex(opened.content)).toBe(sha256hex(content));
      expect(opened.headerHash).toEqual(sealed.headerHash);
    }
  });

  it("draws a fresh file key, envelope id and ephemeral keys for every envelope", async () => {
    const options = { kind: Kind.MESSAGE, caseId, partIndex: 1, recipients: [alice.publicKey] };
    const a = await sealBytes(new Uint8Array(10), options);
    const b = await sealBytes(new Uint8Array(10), options);
    expect(hex(a.header.envelopeId)).not.toBe(hex(b.header.envelopeId));
    expect(hex(a.header.stanzas[0].sealedKey)).not.toBe(hex(b.header.stanzas[0].sealedKey));
    expect(hex(a.envelope.subarray(a.header.size))).not.toBe(hex(b.envelope.subarray(b.header.size)));
  });

  it("streams through short reads on both sides", async () => {
    const content = randomContent(3 * CHUNK_SIZE + 777);
    const options = { kind: Kind.ATTACHMENT, caseId, partIndex: 1, recipients: [alice.publicKey] };
    const pieces = [];
    const result = await sealStream(trickle(content, 1000), async (piece) => pieces.push(piece.slice()), options);
    expect(pieces.length).toBe(1 + result.header.chunkCount);
    expect(pieces.slice(1, -1).every((p) => p.length === CHUNK_SIZE + 16)).toBe(true);
    const envelope = new Uint8Array(Buffer.concat(pieces));
    const out = [];
    const opened = await decryptStream(trickle(envelope, 777), [alice], async (piece) => out.push(piece.slice()));
    expect(sha256hex(Buffer.concat(out))).toBe(sha256hex(content));
    expect(opened.contentSha256).toEqual(result.contentSha256);
  });

  it("rebuilds any chunk alone, byte for byte (resumable uploads)", async () => {
    const content = randomContent(2 * CHUNK_SIZE + 5000);
    const options = {
      kind: Kind.ATTACHMENT,
      caseId,
      partIndex: 2,
      recipients: [alice.publicKey],
      envelopeId: random(16),
      fileKey: random(32),
      ephemeralSecrets: [random(32)],
    };
    const { envelope, header } = await sealBytes(content, options);
    const enc = new Encryptor({ ...options, contentLength: content.length });
    expect(enc.headerBytes).toEqual(header.bytes);
    const padded = new Uint8Array(enc.paddedLength);
    new DataView(padded.buffer).setBigUint64(0, BigInt(content.length));
    padded.set(content, 8);
    const last = enc.chunkCount - 1;
    const offset = enc.headerBytes.length + last * (CHUNK_SIZE + 16);
    expect(hex(enc.sealChunk(last, padded.subarray(last * CHUNK_SIZE)))).toBe(hex(envelope.subarray(offset)));
    expect(() => enc.sealChunk(0, padded.subarray(0, 100))).toThrow(RangeError);
  });

  it("opens with whichever of several held keys the envelope names", async () => {
    const { envelope } = await sealBytes(new Uint8Array(5), {
      kind: Kind.REPLY, caseId, partIndex: 1, recipients: [bob.publicKey],
    });
    const opened = await openEnvelope(envelope, [keypair(), bob]);
    expect(opened.keyId).toEqual(parseHeader(envelope).stanzas[0].keyId);
  });

  it("respects a reader's own size limit", async () => {
    const { envelope } = await sealBytes(new Uint8Array(70000), {
      kind: Kind.ATTACHMENT, caseId, partIndex: 1, recipients: [alice.publicKey],
    });
    expect(await codeOf(() => openEnvelope(envelope, [alice], { maxPaddedLength: 65536 }))).toBe("too_large");
  });
});

describe("sealing refuses", () => {
  const good = () => ({ kind: Kind.REPORT, caseId, partIndex: 0, recipients: [alice.publicKey] });

  it("a source that ends early", async () => {
    // claims 100000 bytes, has 90000
    const early = {
      size: 100000,
      read: async (offset, length) => new Uint8Array(Math.max(0, Math.min(length, 90000 - offset))),
    };
    expect(await codeOf(() => sealStream(early, async () => {}, good()))).toBe("input_length_mismatch");
  });

  it("a sink's failure, passing it on", async () => {
    const sink = async () => {
      throw new Error("disk full");
    };
    await expect(sealStream(bytesSource(new Uint8Array(10)), sink, good())).rejects.toThrow("disk full");
  });

  it.each([
    ["an unknown kind", { kind: 9 }, "bad_kind"],
    ["no recipient", { recipients: [] }, "no_recipients"],
    ["17 recipients", { recipients: Array(17).fill(null) }, "too_many_recipients"],
    ["a report as part 1", { partIndex: 1 }, "bad_part_index"],
    ["an attachment as part 0", { kind: Kind.ATTACHMENT }, "bad_part_index"],
    ["a part index past 32 bits", { kind: Kind.MESSAGE, partIndex: 2 ** 32 }, "bad_part_index"],
    ["content past 2^40 bytes", { contentLength: 2 ** 40 }, "too_large"],
  ])("%s", async (_, changes, code) => {
    await sodium();
    expect(await codeOf(() => new Encryptor({ contentLength: 10, ...good(), ...changes }))).toBe(code);
  });

  it("malformed ids and keys", () => {
    expect(() => new Encryptor({ ...good(), contentLength: 1, caseId: random(15) })).toThrow(TypeError);
    expect(() => new Encryptor({ ...good(), contentLength: 1, recipients: [random(31)] })).toThrow(TypeError);
    expect(() => new Encryptor({ ...good(), contentLength: 1, fileKey: random(16) })).toThrow(TypeError);
    expect(() => new Encryptor({ ...good(), contentLength: 1, ephemeralSecrets: [] })).toThrow(TypeError);
  });
});
