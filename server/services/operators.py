"""Operator accounts: Argon2id password hashes, lockout after repeated failures, short-lived
bearer tokens stored only as their SHA-256. TOTP and the audit log come later; they hook in
at ``login`` and ``authenticate``.

Stored times are coarse like every other (services.clock). A token's exact expiry travels in
the token itself (``<random>.<unix time>``): the stored hash covers it, so it cannot be
altered, and the database keeps only the expiry rounded up, for the purge."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

import nacl.pwhash
from nacl.exceptions import InvalidkeyError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import ApiError, Conflict, Unauthorized
from ..models import Operator, OperatorToken
from .clock import coarse_deadline, now, round_down, round_up

OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
MIN_PASSWORD = 12


def hash_password(password: str) -> str:
    return nacl.pwhash.argon2id.str(password.encode("utf-8"), opslimit=OPSLIMIT, memlimit=MEMLIMIT).decode("ascii")


def check_password(stored: str, password: str) -> bool:
    try:
        return nacl.pwhash.verify(stored.encode("ascii"), password.encode("utf-8"))
    except InvalidkeyError:
        return False


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def create_operator(session: Session, username: str, password: str, *, time_resolution: int = 3600) -> Operator:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"passwords must have at least {MIN_PASSWORD} characters")
    if not username or len(username) > 64 or not username.isprintable() or username.strip() != username:
        raise ValueError("usernames are 1 to 64 printable characters without surrounding spaces")
    with session.begin():
        if session.scalars(select(Operator).where(Operator.username == username)).first() is not None:
            raise Conflict(f"operator {username!r} already exists", code="operator_exists")
        op = Operator(username=username, password_hash=hash_password(password),
                      created_at=round_down(now(), time_resolution), disabled=False, failed_logins=0)
        session.add(op)
    return op


def set_disabled(session: Session, username: str, disabled: bool) -> None:
    with session.begin():
        op = session.scalars(select(Operator).where(Operator.username == username)).first()
        if op is None:
            raise ValueError(f"no operator {username!r}")
        op.disabled = disabled
        if disabled:
            session.execute(delete(OperatorToken).where(OperatorToken.operator_id == op.id))


def login(session: Session, settings: Settings, username: str, password: str) -> tuple[str, datetime, Operator]:
    """A new token, its exact expiry and the operator; or Unauthorized / 429 ``locked``."""
    resolution = settings.time_resolution
    failure: ApiError | None = None
    with session.begin():
        t = now()
        session.execute(delete(OperatorToken).where(OperatorToken.expires_at < t))
        op = session.scalars(select(Operator).where(Operator.username == username).with_for_update()).first()
        if op is None:
            check_password(_dummy_hash(), password)  # the same work whether the account exists or not
            raise Unauthorized("wrong username or password", code="invalid_credentials")
        if op.locked_until is not None and op.locked_until > t:
            raise ApiError("too many failed attempts; try again later", code="locked", status=429,
                           details={"retry_after": int((op.locked_until - t).total_seconds()) + 1})
        if not check_password(op.password_hash, password) or op.disabled:
            op.failed_logins += 1
            if op.failed_logins >= settings.login_max_failures:
                op.locked_until = coarse_deadline(timedelta(seconds=settings.login_lockout_seconds), resolution)
                op.failed_logins = 0
            failure = Unauthorized("wrong username or password", code="invalid_credentials")
        else:
            op.failed_logins = 0
            op.locked_until = None
            expires = (t + timedelta(seconds=settings.token_ttl_seconds)).replace(microsecond=0)
            token = f"{secrets.token_urlsafe(32)}.{int(expires.timestamp())}"
            session.add(OperatorToken(token_hash=_token_hash(token), operator_id=op.id,
                                      created_at=round_down(t, resolution), expires_at=round_up(expires, resolution)))
    if failure is not None:  # raised after the commit, so the failed attempt is counted
        raise failure
    return token, expires, op


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_expiry(token: str) -> datetime | None:
    """The exact expiry a token carries after its last dot, or None if it carries none."""
    _, dot, tail = token.rpartition(".")
    if not dot or not tail.isascii() or not tail.isdigit() or len(tail) > 12:
        return None
    return datetime.fromtimestamp(int(tail), UTC)


def authenticate(session: Session, authorization: str | None) -> Operator:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("operator requests need Authorization: Bearer <token>")
    token = authorization[len("Bearer "):].strip()
    expires = _token_expiry(token)
    with session.begin():
        record = session.get(OperatorToken, _token_hash(token))
        t = now()
        if record is None or expires is None or expires <= t or record.expires_at <= t or record.operator.disabled:
            raise Unauthorized("the token is unknown or has expired: log in again", code="invalid_token")
        return record.operator


def logout(session: Session, authorization: str) -> None:
    token = authorization[len("Bearer "):].strip()
    with session.begin():
        session.execute(delete(OperatorToken).where(OperatorToken.token_hash == _token_hash(token)))
