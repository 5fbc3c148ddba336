// listing-v1.json: a reader opens an envelope first, then refuses it if the server's listing
// says anything else of it (docs/envelope.md, section 15), exactly as envelope/listing.py does.
import { beforeAll, describe, expect, it } from "vitest";
import { checkListing } from "../../../pwa/src/crypto/listing.js";
import { openEnvelope } from "../../../pwa/src/crypto/open.js";
import { applyMutations, identities, load, unb64 } from "./vectors.js";

const LV = load("listing-v1.json");
const ENVELOPES = Object.fromEntries(LV.envelopes.map((v) => [v.name, unb64(v.envelope)]));
let ids;

beforeAll(async () => {
  ids = await identities();
});

async function codeOf(promise) {
  try {
    await promise;
  } catch (error) {
    if (error.name !== "EnvelopeError") throw error;
    return error.code;
  }
  return null;
}

describe.each(LV.cases.map((c) => [c.name, c]))("listing case %s", (_, c) => {
  it(c.open_error ? `does not open: ${c.open_error}` : c.error ? `is refused: ${c.error}` : "agrees", async () => {
    const data = applyMutations(ENVELOPES[c.envelope], c.mutations, ENVELOPES);
    const opening = openEnvelope(data, [ids[c.identity]]);
    if (c.open_error) {
      expect(await codeOf(opening)).toBe(c.open_error);
      return;
    }
    const { header } = await opening;
    expect(await codeOf(Promise.resolve().then(() => checkListing(header, c.listing)))).toBe(c.error);
  });
});

it("has cases of every kind of disagreement", () => {
  const refused = LV.cases.filter((c) => c.error === "listing_mismatch").map((c) => c.name);
  expect(refused.length).toBeGreaterThanOrEqual(6);
  expect(LV.cases.some((c) => c.open_error === "header_mac_mismatch")).toBe(true);
});
