"""The words every part shares, defined once: item kinds (what an envelope is, by name) and the
triage statuses of a case. The server stores and validates them, the desk shows and sets them;
both import them from here (pwa/ has its own copy of the kinds, in JavaScript)."""

from enum import StrEnum

from .constants import Kind


class ItemKind(StrEnum):
    REPORT = "report"
    ATTACHMENT = "attachment"
    MESSAGE = "message"
    REPLY = "reply"
    NOTE = "note"


# the kind byte of an envelope's header (docs/envelope.md) → its name
KIND_NAMES = {
    Kind.REPORT: ItemKind.REPORT,
    Kind.ATTACHMENT: ItemKind.ATTACHMENT,
    Kind.MESSAGE: ItemKind.MESSAGE,
    Kind.REPLY: ItemKind.REPLY,
    Kind.NOTE: ItemKind.NOTE,
}
ITEM_KINDS = tuple(k.value for k in ItemKind)


class CaseStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    USEFUL = "useful"
    NOT_ACTIONABLE = "not_actionable"
    CLOSED = "closed"


STATUSES = tuple(s.value for s in CaseStatus)
