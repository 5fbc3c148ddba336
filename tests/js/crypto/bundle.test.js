// key-bundle-v1.json, plus the refusals the vectors do not cover.
import { beforeAll, describe, expect, it } from "vitest";
import { parseRootKeyDocument, SIGNING_CONTEXT, verifyBundle } from "../../../pwa/src/crypto/bundle.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { hex, load } from "./vectors.js";

const BV = load("key-bundle-v1.json");
const GOOD = BV.cases.find((c) => c.name === "valid");
let s;
let root;

beforeAll(async () => {
  s = await sodium();
  root = parseRootKeyDocument(BV.root.root_key_document);
});

function codeOf(fn) {
  try {
    fn();
  } catch (error) {
    if (error.name !== "BundleError") throw error;
    return error.code;
  }
  return null;
}

// A bundle signed by the vectors' root key over any payload text (for refusals past the signature).
function signed(payload) {
  const seed = s.crypto_generichash(32, s.from_string(BV.root.seed));
  const { privateKey } = s.crypto_sign_seed_keypair(seed);
  const signature = s.crypto_sign_detached(s.from_string(SIGNING_CONTEXT + payload), privateKey);
  return { ...GOOD.bundle, payload, signature: s.to_base64(signature, s.base64_variants.ORIGINAL) };
}

const params = (verify) => ({ origin: verify.origin, now: new Date(verify.now), minSequence: verify.min_sequence });

describe("root key document", () => {
  it("gives the vectors' root key and checks its key id and fingerprint", () => {
    expect(hex(root)).toBe(BV.root.public_key);
    expect(hex(parseRootKeyDocument(JSON.stringify(BV.root.root_key_document)))).toBe(BV.root.public_key);
    const wrongFingerprint = { ...BV.root.root_key_document, fingerprint: "0000 0000 0000 0000 0000 0000 0000 0000" };
    expect(codeOf(() => parseRootKeyDocument(wrongFingerprint))).toBe("bundle_malformed");
    expect(codeOf(() => parseRootKeyDocument("{"))).toBe("bundle_malformed");
  });
});

describe.each(BV.cases.map((c) => [c.name, c]))("bundle case %s", (_, c) => {
  it(c.error ? `is refused with ${c.error}` : "verifies", () => {
    const call = () => verifyBundle(c.bundle, root, params(c.verify));
    if (c.error) {
      expect(codeOf(call)).toBe(c.error);
      expect(codeOf(() => verifyBundle(JSON.stringify(c.bundle), root, params(c.verify)))).toBe(c.error);
      return;
    }
    const bundle = call();
    expect(bundle.sequence).toBe(c.expect.sequence);
    expect(bundle.origin).toBe(c.expect.origin);
    expect(bundle.recipients.map((r) => [r.keyId, r.role])).toEqual(c.expect.recipients);
    expect(bundle.payload).toBe(c.bundle.payload);
    expect(bundle.issued).toEqual(new Date("2026-01-01T00:00:00Z"));
    expect(bundle.expires).toEqual(new Date("2026-04-01T00:00:00Z"));
    const byRole = Object.fromEntries(bundle.recipients.map((r) => [r.role, hex(r.publicKey)]));
    expect(bundle.publicKeys.map(hex)).toEqual([byRole.primary, byRole.backup]);
  });
});

describe("refusals beyond the vectors", () => {
  const payload = JSON.parse(GOOD.bundle.payload);
  const base = params(GOOD.verify);
  const resign = (changes) => signed(JSON.stringify({ ...payload, ...changes }));

  it("accepts a re-signed copy of the payload (the helper is sound)", () => {
    expect(verifyBundle(resign({}), root, base).sequence).toBe(5);
  });

  it.each([
    ["an extra payload member", { extra: 1 }],
    ["a fractional sequence", { sequence: 1.5 }],
    ["sequence 0", { sequence: 0 }],
    ["sequence 2^53", { sequence: 2 ** 53 }],
    ["an impossible date", { issued: "2026-02-30T00:00:00Z" }],
    ["a time with an offset", { issued: "2026-01-01T00:00:00+00:00" }],
    ["expiry before issue", { expires: "2025-01-01T00:00:00Z" }],
    ["an origin with a path", { origin: "https://signalement.example/app" }],
    ["an upper-case origin", { origin: "https://Signalement.example" }],
    ["no primary", { recipients: payload.recipients.map((r) => ({ ...r, role: "backup" })) }],
    ["an unknown role", { recipients: [{ ...payload.recipients[0], role: "admin" }] }],
    ["a key listed twice", { recipients: [payload.recipients[0], payload.recipients[0]] }],
    ["a wrong key id", { recipients: [{ ...payload.recipients[0], key_id: "00".repeat(8) }] }],
    ["a short public key", { recipients: [{ ...payload.recipients[0], public_key: "AAAA" }] }],
    ["no recipients", { recipients: [] }],
  ])("refuses %s as bundle_malformed", (_, changes) => {
    expect(codeOf(() => verifyBundle(resign(changes), root, base))).toBe("bundle_malformed");
  });

  it("refuses a non-ASCII payload, bad base64 and an oversized document", () => {
    expect(codeOf(() => verifyBundle(signed(GOOD.bundle.payload.replace("example", "exámple")), root, base))).toBe(
      "bundle_malformed",
    );
    const badSignature = { ...GOOD.bundle, signature: "not base64" };
    expect(codeOf(() => verifyBundle(badSignature, root, base))).toBe("bundle_malformed");
    expect(codeOf(() => verifyBundle(" ".repeat(16 * 1024 + 1), root, base))).toBe("bundle_malformed");
    expect(codeOf(() => verifyBundle("[]", root, base))).toBe("bundle_malformed");
  });

  it("applies the one-hour skew and the expiry at their edges", () => {
    const at = (iso) => ({ ...base, now: new Date(iso) });
    expect(verifyBundle(GOOD.bundle, root, at("2025-12-31T23:00:00Z")).sequence).toBe(5);
    expect(codeOf(() => verifyBundle(GOOD.bundle, root, at("2025-12-31T22:59:59Z")))).toBe("bundle_not_yet_valid");
    expect(verifyBundle(GOOD.bundle, root, at("2026-03-31T23:59:59Z")).sequence).toBe(5);
    expect(codeOf(() => verifyBundle(GOOD.bundle, root, at("2026-04-01T00:00:00Z")))).toBe("bundle_expired");
    // the worker passes Date.now(): milliseconds work as well as a Date
    expect(verifyBundle(GOOD.bundle, root, { ...base, now: Date.parse("2026-03-01T00:00:00Z") }).sequence).toBe(5);
  });

  it("allows at most 90 days between issued and expires, checked before the origin and the dates", () => {
    expect(BV.max_lifetime_seconds).toBe(90 * 24 * 3600);
    expect(verifyBundle(resign({ issued: "2026-01-01T00:00:01Z" }), root, base).sequence).toBe(5);
    expect(codeOf(() => verifyBundle(resign({ issued: "2025-12-31T23:59:59Z" }), root, base))).toBe(
      "bundle_lifetime_too_long",
    );
    const tooLongElsewhere = resign({ expires: "2030-01-01T00:00:00Z", origin: "https://evil.example" });
    expect(codeOf(() => verifyBundle(tooLongElsewhere, root, { ...base, now: new Date("2029-01-01T00:00:00Z") }))).toBe(
      "bundle_lifetime_too_long",
    );
    // a malformed payload is malformed first, however long it claims to last
    expect(codeOf(() => verifyBundle(resign({ expires: "2030-01-01T00:00:00Z", sequence: 0 }), root, base))).toBe(
      "bundle_malformed",
    );
  });

  it("skips the origin check only when told to with null", () => {
    expect(verifyBundle(GOOD.bundle, root, { ...base, origin: null }).origin).toBe("https://signalement.example");
    expect(() => verifyBundle(GOOD.bundle, root, { now: base.now })).toThrow(TypeError);
  });
});
