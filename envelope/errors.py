"""Every way an envelope, a manifest or a key bundle can be refused.

Each error carries a stable ``code`` (the same strings appear in the test vectors and
in docs/envelope.md) so that another implementation can be checked against this one.
"""


class EnvelopeError(ValueError):
    code = "envelope_error"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.__doc__ or self.code)


# --- header layout -------------------------------------------------------------
class BadMagic(EnvelopeError):
    """The data does not start with the envelope magic."""

    code = "bad_magic"


class UnsupportedVersion(EnvelopeError):
    """The envelope version is not 1."""

    code = "unsupported_version"


class BadKind(EnvelopeError):
    """The kind byte is not one of report, attachment, message, reply."""

    code = "bad_kind"


class BadReserved(EnvelopeError):
    """Reserved header bytes are not zero."""

    code = "bad_reserved"


class NoRecipients(EnvelopeError):
    """The header names no recipient."""

    code = "no_recipients"


class TooManyRecipients(EnvelopeError):
    """The header names more recipients than allowed."""

    code = "too_many_recipients"


class TooLarge(EnvelopeError):
    """The padded length is above the limit."""

    code = "too_large"


class BadLength(EnvelopeError):
    """The padded length is not one the padding rule can produce."""

    code = "bad_length"


class BadPartIndex(EnvelopeError):
    """The part index does not fit the kind (a report is part 0, attachments 1 and up)."""

    code = "bad_part_index"


class Truncated(EnvelopeError):
    """The envelope ends before its last chunk."""

    code = "truncated"


class TrailingData(EnvelopeError):
    """Bytes follow the last chunk."""

    code = "trailing_data"


# --- opening ----------------------------------------------------------------------
class NoMatchingRecipient(EnvelopeError):
    """None of the recipient stanzas is for a key we hold."""

    code = "no_matching_recipient"


class UnsealFailed(EnvelopeError):
    """A stanza names our key but its sealed file key does not open."""

    code = "unseal_failed"


class HeaderMacMismatch(EnvelopeError):
    """The header MAC does not match: the header was altered."""

    code = "header_mac_mismatch"


class ChunkAuthFailed(EnvelopeError):
    """A payload chunk failed authentication (altered, reordered, spliced or misflagged)."""

    code = "chunk_auth_failed"


class BadPadding(EnvelopeError):
    """The decrypted length prefix or padding is not canonical."""

    code = "bad_padding"


class InputLengthMismatch(EnvelopeError):
    """The plaintext source gave a different number of bytes than declared."""

    code = "input_length_mismatch"


# --- report manifest ------------------------------------------------------------------
class ManifestInvalid(EnvelopeError):
    """The report's attachment manifest is malformed."""

    code = "manifest_invalid"


class AttachmentMissing(EnvelopeError):
    """The manifest lists an attachment that did not arrive."""

    code = "attachment_missing"


class AttachmentUnexpected(EnvelopeError):
    """An attachment arrived that the manifest does not list."""

    code = "attachment_unexpected"


class AttachmentMismatch(EnvelopeError):
    """An attachment's header hash, length or SHA-256 differs from the manifest."""

    code = "attachment_mismatch"


# --- the server's listing ------------------------------------------------------------
class ListingMismatch(EnvelopeError):
    """The server's listing of an envelope disagrees with its authenticated header."""

    code = "listing_mismatch"


# --- messages and replies (section 17) --------------------------------------------------
class MessageInvalid(EnvelopeError):
    """A message or reply is not one section 17 allows (part, body, attachments)."""

    code = "message_invalid"


class MessageBadSignature(EnvelopeError):
    """A message's signature does not verify with its mailbox's key for this case and envelope."""

    code = "message_bad_signature"


# --- internal notes (section 18) ------------------------------------------------------------
class NoteInvalid(EnvelopeError):
    """A note is not one section 18 allows (part, body)."""

    code = "note_invalid"


# --- receipt ---------------------------------------------------------------------------
class ReceiptBadCharacter(EnvelopeError):
    """The receipt holds a character that is not in a receipt."""

    code = "receipt_bad_character"


class ReceiptBadLength(EnvelopeError):
    """A receipt has 18 characters (16 if made before version 2)."""

    code = "receipt_bad_length"


class ReceiptBadCheck(EnvelopeError):
    """The receipt's check characters do not match: a character is wrong or two are swapped."""

    code = "receipt_bad_check"


# --- key bundle ---------------------------------------------------------------------
class BundleError(EnvelopeError):
    code = "bundle_error"


class BundleMalformed(BundleError):
    """The key bundle is not well formed."""

    code = "bundle_malformed"


class BundleBadSignature(BundleError):
    """The key bundle's signature does not verify against the pinned root key."""

    code = "bundle_bad_signature"


class BundleExpired(BundleError):
    """The key bundle has expired."""

    code = "bundle_expired"


class BundleNotYetValid(BundleError):
    """The key bundle is issued in the future."""

    code = "bundle_not_yet_valid"


class BundleLifetimeTooLong(BundleError):
    """The key bundle's validity period is longer than the maximum."""

    code = "bundle_lifetime_too_long"


class BundleWrongOrigin(BundleError):
    """The key bundle is for another origin."""

    code = "bundle_wrong_origin"


class BundleSequenceRollback(BundleError):
    """The key bundle's sequence number is lower than one already seen."""

    code = "bundle_sequence_rollback"
