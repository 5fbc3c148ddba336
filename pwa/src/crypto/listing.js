// The server's listing is not authenticated (docs/envelope.md, section 15): the twin of
// envelope/listing.py. What an envelope is comes from its header once opening has checked the
// MAC; an envelope the server describes otherwise is refused, never filed by the listing.
import { Kind } from "./constants.js";
import { EnvelopeError } from "./errors.js";
import { readySodium } from "./sodium.js";

const KIND_NAMES = { [Kind.REPORT]: "report", [Kind.ATTACHMENT]: "attachment", [Kind.MESSAGE]: "message",
  [Kind.REPLY]: "reply" };

/**
 * `header` is the opened envelope's header ({ kind, envelopeId, caseId, partIndex });
 * `listed` what the server said: { item_id, case_id, kind, part_index }. Throws listing_mismatch.
 */
export function checkListing(header, listed) {
  const hex = readySodium().to_hex;
  const actual = { item_id: hex(header.envelopeId), case_id: hex(header.caseId), kind: KIND_NAMES[header.kind],
    part_index: header.partIndex };
  for (const [field, value] of Object.entries(actual)) {
    const claimed = listed?.[field];
    if (typeof claimed !== typeof value || claimed !== value) {
      throw new EnvelopeError("listing_mismatch", `the server lists ${field} ${JSON.stringify(claimed)}; ` +
        `the envelope's header says ${JSON.stringify(value)}`);
    }
  }
}
