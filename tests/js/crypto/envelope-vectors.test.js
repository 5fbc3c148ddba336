// envelope-v1.json "valid" and envelope-v1-invalid.json: the phone must reproduce every byte
// the Python reference makes, and refuse every broken envelope with the same error code.
import { beforeAll, describe, expect, it } from "vitest";
import { checkEnvelopeSize, parseHeader } from "../../../pwa/src/crypto/header.js";
import { keyId } from "../../../pwa/src/crypto/keys.js";
import { openEnvelope } from "../../../pwa/src/crypto/open.js";
import { sealBytes } from "../../../pwa/src/crypto/seal.js";
import { applyMutations, contentOf, envelopes, hex, identities, load, sha256hex, unb64, unhex } from "./vectors.js";

const VALID = load("envelope-v1.json").valid;
const INVALID = load("envelope-v1-invalid.json").invalid;
const BASES = envelopes();
let ids;

beforeAll(async () => {
  ids = await identities();
});

function inspect(data) {
  checkEnvelopeSize(parseHeader(data), data.length);
}

async function errorCode(promiseOrFn) {
  try {
    await promiseOrFn();
  } catch (error) {
    if (error.name !== "EnvelopeError") throw error;
    return error.code;
  }
  return null;
}

describe.each(VALID.map((v) => [v.name, v]))("valid vector %s", (_, vector) => {
  it("encrypts deterministically to the same bytes", async () => {
    const content = contentOf(vector);
    const { envelope, ...result } = await sealBytes(content, {
      kind: vector.kind,
      caseId: unhex(vector.case_id),
      envelopeId: unhex(vector.envelope_id),
      partIndex: vector.part_index,
      recipients: vector.recipients.map((name) => ids[name].publicKey),
      fileKey: unhex(vector.file_key),
      ephemeralSecrets: vector.ephemeral_secrets.map(unhex),
    });
    expect(envelope.length).toBe(vector.envelope_size);
    expect(sha256hex(envelope)).toBe(vector.envelope_sha256);
    expect(hex(envelope)).toBe(hex(unb64(vector.envelope)));
    expect(hex(result.envelopeSha256)).toBe(vector.envelope_sha256);
    expect(hex(result.headerHash)).toBe(vector.header_hash);
    expect(hex(result.contentSha256)).toBe(vector.content_sha256);
    expect(result.contentLength).toBe(vector.content_length);
    expect(result.envelopeSize).toBe(vector.envelope_size);
    expect(result.header.paddedLength).toBe(vector.padded_length);
    expect(result.header.size).toBe(vector.header_size);
  });

  it("passes the structural check and opens for every recipient", async () => {
    const data = unb64(vector.envelope);
    inspect(data);
    expect(parseHeader(data).size).toBe(vector.header_size);
    for (const name of vector.recipients) {
      const opened = await openEnvelope(data, [ids[name]]);
      expect(sha256hex(opened.content)).toBe(vector.content_sha256);
      expect(opened.contentLength).toBe(vector.content_length);
      expect(hex(opened.contentSha256)).toBe(vector.content_sha256);
      expect(hex(opened.headerHash)).toBe(vector.header_hash);
      expect(hex(opened.keyId)).toBe(hex(keyId(ids[name].publicKey)));
      expect(opened.header.kind).toBe(vector.kind);
      expect(opened.header.partIndex).toBe(vector.part_index);
      expect(hex(opened.header.caseId)).toBe(vector.case_id);
      expect(hex(opened.header.envelopeId)).toBe(vector.envelope_id);
    }
  });
});

describe.each(INVALID.map((v) => [v.name, v]))("invalid vector %s", (_, vector) => {
  it(`is refused with ${vector.inspect_error} / ${vector.open_error}`, async () => {
    const data = applyMutations(BASES[vector.base], vector.mutations, BASES);
    expect(await errorCode(() => inspect(data))).toBe(vector.inspect_error);
    expect(await errorCode(() => openEnvelope(data, [ids[vector.identity]]))).toBe(vector.open_error);
  });
});
