// manifest-v1.json: the phone builds the same entries the Python reference made, and the
// case checks give the same verdicts.
import { beforeAll, describe, expect, it } from "vitest";
import { attachmentEntry, parseManifest, verifyCase } from "../../../pwa/src/crypto/manifest.js";
import { openEnvelope } from "../../../pwa/src/crypto/open.js";
import { sealBytes } from "../../../pwa/src/crypto/seal.js";
import { contentOf, identities, load, unb64, unhex } from "./vectors.js";

const MV = load("manifest-v1.json");
const ENVELOPES = Object.fromEntries([...MV.attachments, MV.extra, MV.report].map((v) => [v.name, v]));
// The report's plaintext, as the vector gives it (the first test checks it is what opens).
const REPORT_TEXT = new TextDecoder().decode(contentOf(MV.report));
const report = JSON.parse(REPORT_TEXT);
let ids;
let entries;

beforeAll(async () => {
  ids = await identities();
  entries = parseManifest(report);
});

function codeOf(fn) {
  try {
    fn();
  } catch (error) {
    if (error.name !== "EnvelopeError") throw error;
    return error.code;
  }
  return null;
}

describe("manifest vectors", () => {
  it("the report envelope opens to the report", async () => {
    const opened = await openEnvelope(unb64(MV.report.envelope), [ids.alice]);
    expect(new TextDecoder().decode(opened.content)).toBe(REPORT_TEXT);
    expect(entries.size).toBe(2);
  });

  it("attachmentEntry gives the report's entries from what sealing returns", async () => {
    const names = { "manifest-photo": ["IMG_2041.jpg", "image/jpeg"], "manifest-video": ["VID_0007.mp4", "video/mp4"] };
    const built = [];
    for (const [vectorName, [name, mediaType]] of Object.entries(names)) {
      const v = ENVELOPES[vectorName];
      const sealed = await sealBytes(contentOf(v), {
        kind: v.kind,
        caseId: unhex(v.case_id),
        envelopeId: unhex(v.envelope_id),
        partIndex: v.part_index,
        recipients: v.recipients.map((r) => ids[r].publicKey),
        fileKey: unhex(v.file_key),
        ephemeralSecrets: v.ephemeral_secrets.map(unhex),
      });
      built.push(attachmentEntry(sealed, { name, mediaType }));
    }
    expect(built).toEqual(report.attachments);
  });

  it.each(MV.checks.map((c) => [c.name, c]))("check %s", async (_, check) => {
    const opened = new Map();
    for (const name of check.attachments) {
      const result = await openEnvelope(unb64(ENVELOPES[name].envelope), [ids.alice]);
      opened.set(result.header.partIndex, result);
    }
    expect(codeOf(() => verifyCase(entries, opened))).toBe(check.error);
  });
});

describe("manifest form", () => {
  const entry = () => ({ ...report.attachments[0] });

  it("allows extra members and a report without attachments", () => {
    expect(parseManifest({ attachments: [{ ...entry(), thumbnail: "x" }] }).get(1).name).toBe("IMG_2041.jpg");
    expect(parseManifest({ lieu: "ici" }).size).toBe(0);
  });

  it.each([
    ["not an object", []],
    ["attachments not a list", { attachments: {} }],
    ["a missing member", { attachments: [{ ...entry(), sha256: undefined }] }],
    ["part 0", { attachments: [{ ...entry(), part: 0 }] }],
    ["part 2^32", { attachments: [{ ...entry(), part: 2 ** 32 }] }],
    ["part as text", { attachments: [{ ...entry(), part: "1" }] }],
    ["an empty name", { attachments: [{ ...entry(), name: "" }] }],
    ["a 256-character name", { attachments: [{ ...entry(), name: "é".repeat(256) }] }],
    ["a negative length", { attachments: [{ ...entry(), length: -1 }] }],
    ["upper-case hex", { attachments: [{ ...entry(), sha256: entry().sha256.toUpperCase() }] }],
    ["a part listed twice", { attachments: [entry(), entry()] }],
    ["1001 attachments", { attachments: Array.from({ length: 1001 }, (_, i) => ({ ...entry(), part: i + 1 })) }],
  ])("refuses %s", (_, doc) => {
    expect(codeOf(() => parseManifest(JSON.parse(JSON.stringify(doc))))).toBe("manifest_invalid");
  });

  it("counts characters as code points, as Python does", () => {
    // 255 emoji are 510 UTF-16 units but 255 characters: allowed
    expect(parseManifest({ attachments: [{ ...entry(), name: "📷".repeat(255) }] }).size).toBe(1);
  });
});
