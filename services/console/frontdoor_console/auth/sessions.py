"""Server-side sessions: the cookie carries a random token, the database its SHA-256.

A session ends after `session_idle_minutes` without a request or `session_max_hours` after
sign-in, whichever comes first; signing out deletes it. Sign-ins under way (OpenID Connect) are
kept here too, for ten minutes, bound to the browser that started them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_console.auth.models import ConsoleSession, LoginAttempt, UserPreference
from frontdoor_console.auth.user import User
from frontdoor_console.settings import Settings

LOGIN_ATTEMPT_TTL = timedelta(minutes=10)
# A session's last_seen_at is written at most this often (reads stay reads).
TOUCH_EVERY = timedelta(seconds=60)


def digest(token: str) -> str:
    """The stored form of a cookie's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets."""
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class Identity:
    """Who signed in, before they have a session."""

    tenant_id: str
    subject: str
    name: str
    role: str
    agent_id: str | None
    method: str
    access_token: str | None = None


class SessionStore:
    """Creates, finds and ends sessions."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    @property
    def idle(self) -> timedelta:
        """How long a session lives without a request."""
        return timedelta(minutes=self.settings.session_idle_minutes)

    async def create(self, who: Identity) -> tuple[str, User]:
        """A new session for `who`: the cookie's token and the user."""
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        row = ConsoleSession(
            token_hash=digest(token),
            tenant_id=who.tenant_id,
            subject=who.subject,
            name=who.name,
            role=who.role,
            agent_id=who.agent_id,
            method=who.method,
            csrf_token=secrets.token_urlsafe(32),
            access_token=who.access_token,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=self.settings.session_max_hours),
        )
        async with self.db.transaction() as session:
            session.add(row)
        return token, _user(row, self.idle)

    async def find(self, token: str | None) -> User | None:
        """The user of a live session (None when missing, unknown or expired)."""
        if not token or len(token) > 200:
            return None
        key = digest(token)
        now = self.clock.now()
        async with self.db.snapshot() as session:
            row = await session.get(ConsoleSession, key)
        if row is None:
            return None
        if now >= row.expires_at or now >= row.last_seen_at + self.idle:
            await self.end(token)
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            async with self.db.transaction() as session:
                fresh = await session.get(ConsoleSession, key)
                if fresh is not None:
                    fresh.last_seen_at = now
            row.last_seen_at = now
        return _user(row, self.idle)

    async def still_valid(self, user: User) -> bool:
        """Whether the user's session is still live; an open page's stream counts as activity."""
        async with self.db.snapshot() as session:
            row = await session.get(ConsoleSession, user.session_key)
        now = self.clock.now()
        if row is None or now >= row.expires_at or now >= row.last_seen_at + self.idle:
            return False
        if now - row.last_seen_at >= TOUCH_EVERY:
            async with self.db.transaction() as session:
                fresh = await session.get(ConsoleSession, user.session_key)
                if fresh is not None:
                    fresh.last_seen_at = now
        return True

    async def end(self, token: str) -> None:
        """Sign out: the session is gone."""
        async with self.db.transaction() as session:
            await session.execute(delete(ConsoleSession).where(col(ConsoleSession.token_hash) == digest(token)))

    async def expire_all(self) -> None:
        """End every session now (tests of expiry; an operator's emergency brake)."""
        async with self.db.transaction() as session:
            await session.execute(delete(ConsoleSession))

    # Sign-ins under way (OpenID Connect): state -> nonce, PKCE verifier, where to go back to.

    async def begin_login(self, state: str, nonce: str, code_verifier: str, return_to: str, binding: str) -> None:
        """Remember a sign-in under way; `binding` is the browser's cookie for it."""
        async with self.db.transaction() as session:
            session.add(
                LoginAttempt(
                    state=digest(state + ":" + binding),
                    nonce=nonce,
                    code_verifier=code_verifier,
                    return_to=return_to,
                    created_at=self.clock.now(),
                )
            )

    async def finish_login(self, state: str, binding: str) -> LoginAttempt | None:
        """The sign-in `state` names, if this browser started it within ten minutes (used once)."""
        key = digest(state + ":" + binding)
        async with self.db.transaction() as session:
            row = await session.get(LoginAttempt, key)
            if row is not None:
                await session.delete(row)
            old = self.clock.now() - LOGIN_ATTEMPT_TTL
            await session.execute(delete(LoginAttempt).where(col(LoginAttempt.created_at) < old))
        if row is None or row.created_at < self.clock.now() - LOGIN_ATTEMPT_TTL:
            return None
        return row

    # Language preferences outlive sessions.

    async def locale_of(self, tenant_id: str, subject: str) -> str | None:
        """The user's chosen locale, if any."""
        async with self.db.snapshot() as session:
            row = await session.get(UserPreference, (tenant_id, subject))
        return row.locale if row else None

    async def set_locale(self, tenant_id: str, subject: str, locale: str) -> None:
        """Remember the user's language."""
        async with self.db.transaction() as session:
            row = await session.get(UserPreference, (tenant_id, subject))
            if row is None:
                session.add(
                    UserPreference(tenant_id=tenant_id, subject=subject, locale=locale, updated_at=self.clock.now())
                )
            else:
                row.locale = locale
                row.updated_at = self.clock.now()


def _user(row: ConsoleSession, idle: timedelta) -> User:
    expires: datetime = min(row.expires_at, row.last_seen_at + idle)
    return User(
        session_key=row.token_hash,
        tenant_id=row.tenant_id,
        subject=row.subject,
        name=row.name,
        role=row.role,
        agent_id=row.agent_id,
        csrf_token=row.csrf_token,
        method=row.method,
        expires_at=expires,
        access_token=row.access_token,
    )
