"""The citizen's mailbox: registration when the case opens, login by signing a server challenge
with the receipt's Ed25519 key, short-lived bearer tokens for that mailbox only.

Challenges are stateless: ``v1 || mailbox id || expiry || nonce`` authenticated with an HMAC
under a random server secret (kept in the database, so every worker and the events process
share it). A challenge answered once is recorded (its SHA-256, until it expires) and refused
after. Every failure of a login (unknown mailbox, forged or expired challenge, bad signature,
replay) gives the same ``401 mailbox_denied`` after the same work, so nobody learns which
mailboxes exist. Tokens are ``<random>.<exact expiry>``: only their SHA-256 and a coarse
expiry are stored, as for operators (services.operators).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import struct
from datetime import UTC, datetime, timedelta

from nacl.exceptions import BadSignatureError, ValueError as NaclValueError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import ApiError, Conflict, Unauthorized
from ..models import Case, Mailbox, MailboxToken, ServerSecret, UsedChallenge
from .clock import now, round_up

SIGNING_CONTEXT = b"tipline-mailbox-v1\n"
CHALLENGE_VERSION = 1
_CHALLENGE = struct.Struct(">B16sQ16s")  # version, mailbox id, expiry (unix seconds), nonce
MAC_SIZE = 32
_DUMMY_KEY = SigningKey.generate().verify_key  # checked against when the mailbox is unknown
REALM = {"WWW-Authenticate": 'Bearer realm="tipline-mailbox"'}


def denied() -> Unauthorized:
    return Unauthorized("the mailbox could not be opened", code="mailbox_denied", headers=REALM)


def invalid_token() -> Unauthorized:
    return Unauthorized("the mailbox token is unknown or has expired: open the mailbox again",
                        code="invalid_token", headers=REALM)


# --- registration -------------------------------------------------------------------------------
def decode_verify_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ApiError("verify_key must be 32 bytes of base64 (an Ed25519 public key)", code="invalid_request")
    return raw


def register(session: Session, case: Case, mailbox_id: str, verify_key: bytes) -> bool:
    """Give ``case`` its mailbox (inside the caller's transaction). Returns True if new; the same
    values again are a no-op; other values are ``409 mailbox_conflict``."""
    existing = session.scalars(select(Mailbox).where(Mailbox.case_id == case.id)).first()
    if existing is not None:
        if existing.id == mailbox_id and existing.verify_key == verify_key.hex():
            return False
        raise Conflict("this case already has another mailbox", code="mailbox_conflict")
    if session.get(Mailbox, mailbox_id) is not None:
        raise Conflict("this mailbox belongs to another case", code="mailbox_conflict")
    session.add(Mailbox(id=mailbox_id, case_id=case.id, verify_key=verify_key.hex(), revision=0))
    session.flush()
    return True


# --- challenges ---------------------------------------------------------------------------------
SECRET_NAME = "mailbox-hmac"
_secrets: dict[str, bytes] = {}  # database url -> key (it never changes while the server runs)


def challenge_secret(session: Session) -> bytes:
    """The key that signs challenges: read, or made once (the first process to commit wins).
    Outside any transaction of the caller's."""
    url = str(session.get_bind().url)
    if url not in _secrets:
        with session.begin():
            row = session.get(ServerSecret, SECRET_NAME)
        if row is None:
            try:
                with session.begin():
                    session.add(ServerSecret(name=SECRET_NAME, value=secrets.token_hex(32)))
            except IntegrityError:
                pass  # another process made it first: use theirs
            with session.begin():
                row = session.get(ServerSecret, SECRET_NAME)
        _secrets[url] = bytes.fromhex(row.value)
    return _secrets[url]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def make_challenge(secret: bytes, mailbox_id: str, ttl: int, *, at: datetime | None = None) -> str:
    """The same shape whether or not the mailbox exists (no enumeration)."""
    expiry = int((at or now()).timestamp()) + ttl
    body = _CHALLENGE.pack(CHALLENGE_VERSION, bytes.fromhex(mailbox_id), expiry, os.urandom(16))
    return _b64(body + hmac.new(secret, body, hashlib.sha256).digest())


def _check_challenge(secret: bytes, challenge: str, mailbox_id: str, ttl: int) -> datetime | None:
    """The challenge's expiry if the server made it for this mailbox and it is still valid."""
    raw = _unb64(challenge) if challenge.isascii() else None
    if raw is None or len(raw) != _CHALLENGE.size + MAC_SIZE:
        return None
    body, mac = raw[:_CHALLENGE.size], raw[_CHALLENGE.size:]
    if not hmac.compare_digest(mac, hmac.new(secret, body, hashlib.sha256).digest()):
        return None
    version, mailbox, expiry, _ = _CHALLENGE.unpack(body)
    t = now().timestamp()
    if version != CHALLENGE_VERSION or mailbox.hex() != mailbox_id or not t < expiry <= t + ttl:
        return None
    return datetime.fromtimestamp(expiry, UTC)


def signed_message(challenge: str) -> bytes:
    return SIGNING_CONTEXT + challenge.encode("utf-8")


# --- login and tokens ---------------------------------------------------------------------------
def open_session(session: Session, settings: Settings, mailbox_id: str, challenge: str,
                 signature_b64: str) -> tuple[str, int, str]:
    """(token, seconds it lives, case id), or 401 ``mailbox_denied`` whatever went wrong."""
    resolution = settings.time_resolution
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    secret = challenge_secret(session)
    with session.begin():
        expiry = _check_challenge(secret, challenge, mailbox_id, settings.mailbox_challenge_seconds)
        mailbox = session.get(Mailbox, mailbox_id)
        # The same signature check whether or not the mailbox exists, then one verdict.
        key = VerifyKey(bytes.fromhex(mailbox.verify_key)) if mailbox is not None else _DUMMY_KEY
        try:
            key.verify(signed_message(challenge), signature)
            good = len(signature) == 64
        except (BadSignatureError, NaclValueError, ValueError, TypeError):
            good = False
        if expiry is None or mailbox is None or not good:
            raise denied()
        t = now()
        session.execute(delete(UsedChallenge).where(UsedChallenge.expires_at < t))
        session.execute(delete(MailboxToken).where(MailboxToken.expires_at < t))
    try:
        with session.begin():
            session.add(UsedChallenge(digest=hashlib.sha256(challenge.encode("ascii")).hexdigest(),
                                      expires_at=round_up(expiry, resolution)))
            session.flush()
            ttl = settings.mailbox_token_ttl_seconds
            expires = (t + timedelta(seconds=ttl)).replace(microsecond=0)
            token = f"{secrets.token_urlsafe(32)}.{int(expires.timestamp())}"
            session.add(MailboxToken(token_hash=_token_hash(token), mailbox_id=mailbox_id,
                                     expires_at=round_up(expires, resolution)))
            case_id = mailbox.case_id
    except IntegrityError:
        raise denied() from None  # this challenge was answered before: a replay
    return token, int((expires - t).total_seconds()), case_id


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_expiry(token: str) -> datetime | None:
    _, dot, tail = token.rpartition(".")
    if not dot or not tail.isascii() or not tail.isdigit() or len(tail) > 12:
        return None
    return datetime.fromtimestamp(int(tail), UTC)


def bearer(authorization: str | None) -> str | None:
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization[len("Bearer "):].strip()
    return token if token.isascii() and 0 < len(token) <= 200 else None


def mailbox_for_token(session: Session, token: str | None) -> Mailbox | None:
    """The mailbox a live token opens, or None (inside the caller's transaction)."""
    if token is None:
        return None
    expires = _token_expiry(token)
    t = now()
    if expires is None or expires <= t:
        return None
    record = session.get(MailboxToken, _token_hash(token))
    if record is None or record.expires_at <= t:
        return None
    return session.get(Mailbox, record.mailbox_id)


def authenticate(session: Session, authorization: str | None) -> Mailbox:
    with session.begin():
        mailbox = mailbox_for_token(session, bearer(authorization))
    if mailbox is None:
        raise invalid_token()
    return mailbox


def logout(session: Session, authorization: str | None) -> None:
    """Forget the token now (the phone's quick exit, or leaving the conversation)."""
    token = bearer(authorization)
    if token is None:
        raise invalid_token()
    with session.begin():
        session.execute(delete(MailboxToken).where(MailboxToken.token_hash == _token_hash(token)))


def purge_expired(session: Session) -> int:
    """Drop expired tokens and answered challenges past their expiry (``tipline-server gc``)."""
    t = now()
    with session.begin():
        n = session.execute(delete(MailboxToken).where(MailboxToken.expires_at < t)).rowcount
        n += session.execute(delete(UsedChallenge).where(UsedChallenge.expires_at < t)).rowcount
    return n
