"""Operator accounts: Argon2id password hashes, a TOTP second factor with single-use recovery
codes, a per-username slow-down instead of a lockout (services.throttle), short-lived bearer
tokens stored only as their SHA-256, and an audit entry for every login (services.audit).

Stored times are coarse like every other (services.clock). A token's exact expiry travels in
the token itself (``<random>.<unix time>``): the stored hash covers it, so it cannot be
altered, and the database keeps only the expiry rounded up, for the purge."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import nacl.pwhash
from nacl.exceptions import InvalidkeyError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import ApiError, Conflict, Unauthorized
from ..models import Operator, OperatorDevice, OperatorToken, RecoveryCode
from . import audit, throttle, totp
from .clock import now, round_down, round_up

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
                      created_at=round_down(now(), time_resolution), disabled=False)
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


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    operator: Operator
    device: str | None  # a new device token for the desk to keep, or None if it sent a valid one


def login(session: Session, settings: Settings, username: str, password: str, *, code: str | None = None,
          device: str | None = None) -> LoginResult:
    """A token for the right password and second factor; else 401 ``invalid_credentials``, or 429
    ``slow_down`` with Retry-After once the username has failed too often (services.throttle).

    Unknown usernames get the same answers after the same work: an Argon2 verification (against
    a dummy hash) and the same throttle writes. The verification runs outside any transaction, so
    a flood of logins never holds the database's write lock while it hashes."""
    with session.begin():
        op = session.scalars(select(Operator).where(Operator.username == username)).first()
        stored = op.password_hash if op is not None else None
    password_ok = check_password(stored or _dummy_hash(), password) and stored is not None
    for attempt in (1, 2):
        try:
            return _decide(session, settings, username, stored, password_ok, code, device)
        except IntegrityError:  # two first failures of one username at once: count again
            session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _decide(session, settings, username, stored, password_ok, code, device) -> LoginResult:
    resolution = settings.time_resolution
    failure: ApiError | None = None
    with session.begin():
        t = now()
        session.execute(delete(OperatorToken).where(OperatorToken.expires_at < t))
        op = session.scalars(select(Operator).where(Operator.username == username).with_for_update()).first()
        known = session.get(OperatorDevice, _token_hash(device)) if device else None
        if known is not None and (op is None or known.operator_id != op.id):
            known = None
        if known is None:
            wait = throttle.wait_seconds(session, username, t)
            if wait:
                raise _slow_down(wait)  # not evaluated, not counted
        ok = (password_ok and op is not None and op.password_hash == stored and not op.disabled
              and _second_factor(session, settings, op, code, t))
        if ok:
            throttle.succeeded(session, username)
            new_device = None
            if known is None:
                new_device = secrets.token_urlsafe(32)
                session.add(OperatorDevice(token_hash=_token_hash(new_device), operator_id=op.id, failures=0,
                                           created_at=round_down(t, resolution)))
            else:
                known.failures = 0
            expires = (t + timedelta(seconds=settings.token_ttl_seconds)).replace(microsecond=0)
            token = f"{secrets.token_urlsafe(32)}.{int(expires.timestamp())}"
            session.add(OperatorToken(token_hash=_token_hash(token), operator_id=op.id,
                                      created_at=round_down(t, resolution), expires_at=round_up(expires, resolution)))
            audit.record(session, resolution, "login", actor=op.username)
        else:
            if known is not None:
                known.failures += 1
                if known.failures >= throttle.DEVICE_MAX_FAILURES:
                    session.delete(known)
            delay = throttle.failed(session, settings, username, t)
            if op is not None:
                audit.record(session, resolution, "login_failed", actor=op.username)
            failure = _slow_down(delay) if delay else Unauthorized("wrong username, password or code",
                                                                   code="invalid_credentials")
    if failure is not None:  # raised after the commit, so the failed attempt is counted
        raise failure
    return LoginResult(token, expires, op, new_device)


def _slow_down(seconds: int) -> ApiError:
    return ApiError("too many failed attempts for this username; try again later", code="slow_down", status=429,
                    details={"retry_after": seconds}, headers={"Retry-After": str(seconds)})


def _second_factor(session: Session, settings: Settings, op: Operator, code: str | None, t: datetime) -> bool:
    if op.totp_secret is None:
        return not settings.require_totp
    if not code:
        return False
    if totp.looks_like_recovery_code(code):
        used = session.get(RecoveryCode, totp.recovery_hash(code))
        if used is None or used.operator_id != op.id:
            return False
        session.delete(used)
        audit.record(session, settings.time_resolution, "recovery_code_used", actor=op.username)
        return True
    step = totp.matching_step(op.totp_secret, code, t.timestamp(), after_step=op.totp_last_step)
    if step is None:
        return False
    op.totp_last_step = step
    return True


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    recovery_codes: list[str]


def enroll_totp(session: Session, settings: Settings, username: str, *, issuer: str = "Tip line") -> Enrolment:
    """A new second factor for ``username`` (replacing any earlier one, its recovery codes included)."""
    secret = totp.new_secret()
    codes = totp.new_recovery_codes()
    with session.begin():
        op = session.scalars(select(Operator).where(Operator.username == username).with_for_update()).first()
        if op is None:
            raise ValueError(f"no operator {username!r}")
        op.totp_secret, op.totp_last_step = secret, None
        session.execute(delete(RecoveryCode).where(RecoveryCode.operator_id == op.id))
        session.add_all([RecoveryCode(code_hash=totp.recovery_hash(c), operator_id=op.id) for c in codes])
        audit.record(session, settings.time_resolution, "second_factor_enrolled", actor=username)
    return Enrolment(secret, totp.provisioning_uri(secret, username, issuer), codes)


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


def logout(session: Session, settings: Settings, token: str, actor: str) -> None:
    with session.begin():
        session.execute(delete(OperatorToken).where(OperatorToken.token_hash == _token_hash(token)))
        audit.record(session, settings.time_resolution, "logout", actor=actor)
