"""What the server keeps. Cleartext is limited to what routing and triage need:
ids, kinds, padded sizes, coarse arrival times and the operator-set triage status.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from envelope.vocabulary import CaseStatus, ItemKind  # noqa: F401  (names of stored values)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on PostgreSQL and on SQLite (which stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not stored")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, int: BigInteger}


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.NEW.value)
    status_changed_at: Mapped[datetime | None]
    # the officer the case is assigned to (a name as the unit writes it), or None; clear like the status
    assignee: Mapped[str | None] = mapped_column(String(64))
    # position in the operators' change feed (services.feed); moves on every change
    change_seq: Mapped[int] = mapped_column(index=True, unique=True)

    items: Mapped[list[Item]] = relationship(back_populates="case", order_by="Item.seq")


class Item(Base):
    """One stored envelope. The bytes live in the blob store under ``blob_key``."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("case_id", "slot", name="uq_items_case_slot"),
                      UniqueConstraint("case_id", "position", name="uq_items_case_position"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    part_index: Mapped[int]
    # "report:0" or "attachment:N": at most one envelope per slot; NULL for messages
    slot: Mapped[str | None] = mapped_column(String(24))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]
    seq: Mapped[int] = mapped_column(unique=True)
    # 1, 2, 3… within the case: what the citizen sees instead of ``seq`` (the global feed
    # counter would tell anyone with a case how busy the tip line is)
    position: Mapped[int]
    # "citizen" (citizen API) or "police" (a reply or a reply's attachment, operator API)
    sender: Mapped[str] = mapped_column(String(8), default="citizen", server_default="citizen")

    case: Mapped[Case] = relationship(back_populates="items")


class Upload(Base):
    """A resumable upload in progress. Gone once completed (the item replaces it)."""

    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("case_id", "slot", name="uq_uploads_case_slot"),)

    item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    part_index: Mapped[int]
    slot: Mapped[str | None] = mapped_column(String(24))
    size: Mapped[int]
    chunk_size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    header_size: Mapped[int] = mapped_column(Integer)
    header_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    chunks: Mapped[list[UploadChunk]] = relationship(
        back_populates="upload", cascade="all, delete-orphan", passive_deletes=True, order_by="UploadChunk.index"
    )


class UploadChunk(Base):
    __tablename__ = "upload_chunks"

    item_id: Mapped[str] = mapped_column(ForeignKey("uploads.item_id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))

    upload: Mapped[Upload] = relationship(back_populates="chunks")


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # RFC 6238 secret (base32) once enrolled, and the last time step used (a code works once)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]


class OperatorToken(Base):
    """A short-lived bearer token; only its SHA-256 is stored."""

    __tablename__ = "operator_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)

    operator: Mapped[Operator] = relationship()


class RecoveryCode(Base):
    """A single-use second-factor code; only its SHA-256 is stored (codes have 50 random bits)."""

    __tablename__ = "recovery_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)


class OperatorDevice(Base):
    """A desk that once logged in: its attempts skip the per-username slow-down, so a stranger
    failing on purpose cannot keep the real operator out (services.throttle)."""

    __tablename__ = "operator_devices"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class LoginThrottle(Base):
    """Failed logins per username, known or not (keyed by a hash, so unknown names behave alike)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Unix seconds, exact: a slow-down of seconds cannot be stored coarsely. The row goes once
    # its failures are forgotten (minutes), so a stolen database shows only the last few minutes'
    # failed logins (docs/operations.md, "Times on disk").
    not_before: Mapped[int] = mapped_column(index=True)


class AuditEntry(Base):
    """One operator action. Each entry's hash covers its fields and the previous entry's hash;
    the ``audit`` counter holds the last sequence (services.audit)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    item_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Named monotonic counters; ``feed`` orders the operators' change feed."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Mailbox(Base):
    """The citizen's way back to a case (docs/conversation.md): the mailbox id and Ed25519
    verification key derived from the receipt, registered when the case opens. Cleartext by
    design: they are what lets the citizen prove ownership; the receipt never leaves the phone."""

    __tablename__ = "mailboxes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    verify_key: Mapped[str] = mapped_column(String(64))  # hex
    # bumped on every change the citizen's screen shows (new item, status, police read mark);
    # a counter of its own, so the citizen never learns the global feed position
    revision: Mapped[int] = mapped_column(default=0)


class MailboxToken(Base):
    """A short-lived bearer token for one mailbox; only its SHA-256 is stored."""

    __tablename__ = "mailbox_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    mailbox_id: Mapped[str] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class UsedChallenge(Base):
    """Mailbox challenges already answered (their SHA-256), kept until they expire: single use."""

    __tablename__ = "used_challenges"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ReadMark(Base):
    """How far the citizen (replies) or the police (citizen messages) have read a case's
    conversation: up to the item whose feed position is ``up_to_seq``."""

    __tablename__ = "read_marks"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    reader: Mapped[str] = mapped_column(String(8), primary_key=True)  # "citizen" or "police"
    up_to_seq: Mapped[int]
    change_seq: Mapped[int] = mapped_column(index=True, unique=True)


class PowSpent(Base):
    """A proof of work already used (server.pow): refused again until its challenge expires.
    The challenge is a random hash, linked to nothing; the expiry is stored coarse (rounded up)."""

    __tablename__ = "pow_spent"

    challenge: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ServerSecret(Base):
    """Secrets the server makes for itself on first use (the proof-of-work and mailbox challenge
    HMAC keys), shared by every worker process and the events process through the database."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class CaseTombstone(Base):
    """A case deleted by retention (server.services.retention): its id, in the change feed, so
    that every desk removes its own copies too. No content, no status history; kept
    ``TIPLINE_TOMBSTONE_DAYS`` (a desk that stayed away longer must resync from scratch)."""

    __tablename__ = "case_tombstones"

    case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    deleted_at: Mapped[datetime]
