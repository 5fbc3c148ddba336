// Every way an envelope, a manifest, a key bundle or a receipt can be refused. The codes are
// the ones of envelope/errors.py and of the test vectors, so the two sides can be compared
// and the app can choose its message from the code alone.
const MESSAGES = {
  // header layout
  bad_magic: "The data does not start with the envelope magic.",
  unsupported_version: "The envelope version is not 1.",
  bad_kind: "The kind byte is not one of report, attachment, message, reply.",
  bad_reserved: "Reserved header bytes are not zero.",
  no_recipients: "The header names no recipient.",
  too_many_recipients: "The header names more recipients than allowed.",
  too_large: "The padded length is above the limit.",
  bad_length: "The padded length is not one the padding rule can produce.",
  bad_part_index: "The part index does not fit the kind (a report is part 0, attachments 1 and up).",
  truncated: "The envelope ends before its last chunk.",
  trailing_data: "Bytes follow the last chunk.",
  // opening
  no_matching_recipient: "None of the recipient stanzas is for a key we hold.",
  unseal_failed: "A stanza names our key but its sealed file key does not open.",
  header_mac_mismatch: "The header MAC does not match: the header was altered.",
  chunk_auth_failed: "A payload chunk failed authentication (altered, reordered, spliced or misflagged).",
  bad_padding: "The decrypted length prefix or padding is not canonical.",
  input_length_mismatch: "The plaintext source gave a different number of bytes than declared.",
  // report manifest
  manifest_invalid: "The report's attachment manifest is malformed.",
  attachment_missing: "The manifest lists an attachment that did not arrive.",
  attachment_unexpected: "An attachment arrived that the manifest does not list.",
  attachment_mismatch: "An attachment's header hash, length or SHA-256 differs from the manifest.",
  // the server's listing
  listing_mismatch: "The server's listing of an envelope disagrees with its authenticated header.",
  // messages and replies (section 17)
  message_invalid: "A message or reply is not one section 17 allows (part, body, attachments).",
  message_bad_signature: "A message's signature does not verify with its mailbox's key for this case and envelope.",
  // notes (section 18): phones never open them, but the list of codes is the spec's, whole
  note_invalid: "A note is not one section 18 allows (part, body).",
  // key bundle
  bundle_malformed: "The key bundle is not well formed.",
  bundle_bad_signature: "The key bundle's signature does not verify against the pinned root key.",
  bundle_expired: "The key bundle has expired.",
  bundle_not_yet_valid: "The key bundle is issued in the future.",
  bundle_lifetime_too_long: "The key bundle's validity period is longer than the maximum.",
  bundle_wrong_origin: "The key bundle is for another origin.",
  bundle_sequence_rollback: "The key bundle's sequence number is lower than one already seen.",
  // receipt
  receipt_bad_character: "The receipt holds a character that is not in a receipt.",
  receipt_bad_length: "A receipt has 18 characters (16 if made before version 2).",
  receipt_bad_check: "The receipt's check characters do not match: a character is wrong or two are swapped.",
};

export class EnvelopeError extends Error {
  /** @param {string} code one of the codes above @param {string} [message] */
  constructor(code, message) {
    // A misspelt code would silently break the app's error messages: refuse it here.
    if (!Object.hasOwn(MESSAGES, code)) throw new TypeError(`unknown envelope error code ${code}`);
    super(message ?? MESSAGES[code]);
    this.name = "EnvelopeError";
    this.code = code;
  }
}

/** Key bundle refusals (bundle_* codes), so callers can catch them apart as in Python. */
export class BundleError extends EnvelopeError {
  constructor(code, message) {
    if (!code.startsWith("bundle_")) throw new TypeError(`${code} is not a key bundle error`);
    super(code, message);
    this.name = "BundleError";
  }
}

/** Every code, for the app's messages; a test checks it against envelope/errors.py. */
export const ERROR_CODES = Object.freeze(Object.keys(MESSAGES));
