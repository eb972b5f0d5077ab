"""Crypto-shredding: the personal fields of events sealed with a data key per subject.

A sealed value is a string `sealed:v1:<service>:<kid>:<fernet token>`: the field keeps its type
(a string) and its name, and says which service holds the key. The key is the subject's: a
member (`member_subject`) or a phone number (`phone_subject`), so a call from a number nobody
had identified yet is erased with the member who owns the number. Keys live in the producing
service's `seal_keys` table, wrapped by its `seal_keys` setting; an erasure sets the wrapped key to
NULL and every copy of what it sealed (the broker's topics, the outbox rows kept for replay, a BI
pipeline's copy) is unreadable from then on, without rewriting any of them.

A consumer that needs the plaintext (surveys texting a caller, members writing the dossier) asks
the producer for the key while it exists (`GET /internal/v1/seal-keys/{kid}`, scope `privacy:unseal`,
the caller's tenant only) through `Unsealer`; a shredded key answers 410 and the value reads as
None (erased). Producing never waits on another service: keys are the producer's own.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import and_, insert, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.logging import get_logger
from frontdoor_common.privacy.tables import seal_keys

log = get_logger(__name__)

PREFIX = "sealed:v1:"
UNSEAL_SCOPE = "privacy:unseal"


def member_subject(member_id: uuid.UUID | str) -> str:
    """The subject of a member's own fields (names, member number, employer)."""
    return f"member:{member_id}"


def phone_subject(e164: str) -> str:
    """The subject of a phone number (a caller's number, a callback's, an SMS recipient's)."""
    return f"phone:{e164.strip()}"


def subject_digest(digest_key: str, tenant: str, subject: str) -> str:
    """The keyed digest that names a subject in `seal_keys` and in erasure requests: the same in
    every service (FRONTDOOR_SUBJECT_DIGEST_KEY), revealing nothing without the key."""
    mac = hmac.new(digest_key.encode(), f"{tenant}\x00{subject}".encode(), hashlib.sha256)
    return mac.hexdigest()[:64]


def is_sealed(value: object) -> bool:
    """Whether `value` is a sealed string."""
    return isinstance(value, str) and value.startswith(PREFIX)


@dataclass(frozen=True)
class SealedParts:
    service: str
    kid: str
    token: str


def parse(value: str) -> SealedParts | None:
    """The parts of a sealed value, or None when it is not one."""
    if not is_sealed(value):
        return None
    rest = value[len(PREFIX) :]
    pieces = rest.split(":", 2)
    if len(pieces) != 3 or not all(pieces):
        return None
    return SealedParts(*pieces)


class Sealer:
    """Seals values with the service's own per-subject data keys (created in the caller's
    transaction, so a key exists exactly when the event that needs it is committed)."""

    def __init__(self, service: str, wrapping_keys: list[str], digest_key: str) -> None:
        self.service = service
        self._wrap = MultiFernet([Fernet(k) for k in wrapping_keys])
        self._newest = Fernet(wrapping_keys[0])
        self._digest_key = digest_key
        # (tenant, digest) -> (kid, until): committed keys only, for a while (another process of
        # this service may shred a key: after `cache_s` this one reads the table again)
        self._by_subject: dict[tuple[str, str], tuple[str, float]] = {}
        self.cache_s = 60.0
        self._keys: dict[str, Fernet] = {}  # kid -> data key, committed keys only

    def digest(self, tenant: str, subject: str) -> str:
        """The keyed digest of `subject` (what `seal_keys.subject` holds)."""
        return subject_digest(self._digest_key, tenant, subject)

    async def seal(self, session: AsyncSession, tenant: str, subject: str, value: str | None) -> str | None:
        """`value` sealed under `subject`'s key (None and sealed values pass through)."""
        if value is None or is_sealed(value):
            return value
        kid, key = await self._key_for(session, tenant, self.digest(tenant, subject))
        return f"{PREFIX}{self.service}:{kid}:{key.encrypt(value.encode()).decode()}"

    async def seal_many(self, session: AsyncSession, tenant: str, subject: str, values: Iterable[str]) -> list[str]:
        """Each of `values` sealed under `subject`'s key."""
        return [v for v in [await self.seal(session, tenant, subject, value) for value in values] if v is not None]

    async def _key_for(self, session: AsyncSession, tenant: str, digest: str) -> tuple[str, Fernet]:
        pending: dict[tuple[str, str], tuple[str, Fernet]] = session.info.setdefault("frontdoor_seal_pending", {})
        if (tenant, digest) in pending:
            return pending[(tenant, digest)]
        known = self._by_subject.get((tenant, digest))
        if known is not None and known[1] > time.monotonic() and known[0] in self._keys:
            return known[0], self._keys[known[0]]
        row = (
            await session.execute(
                select(seal_keys.c.kid, seal_keys.c.wrapped_key)
                .where(
                    seal_keys.c.tenant == tenant,
                    seal_keys.c.subject == digest,
                    seal_keys.c.wrapped_key.is_not(None),
                )
                .order_by(seal_keys.c.created_at.desc())
                .limit(1)
            )
        ).first()
        if row is not None:
            key = Fernet(self._wrap.decrypt(row.wrapped_key.encode()))
            self._remember(row.kid, tenant, digest, key)
            return row.kid, key
        return await self._new_key(session, tenant, digest)

    async def _new_key(self, session: AsyncSession, tenant: str, digest: str) -> tuple[str, Fernet]:
        """A new data key for the subject, stored in the caller's transaction and used by it from now
        on; remembered by the process only once that transaction commits."""
        raw = Fernet.generate_key()
        kid = uuid.uuid4().hex
        await session.execute(
            insert(seal_keys).values(
                kid=kid,
                tenant=tenant,
                subject=digest,
                wrapped_key=self._wrap.encrypt(raw).decode(),
                created_at=datetime.now(UTC),
            )
        )
        key = Fernet(raw)
        session.info.setdefault("frontdoor_seal_pending", {})[(tenant, digest)] = (kid, key)
        self._after_commit(session)
        return kid, key

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.get("frontdoor_seal_hooked"):
            return
        session.info["frontdoor_seal_hooked"] = True

        def _committed(_s: Any) -> None:
            for (tenant, digest), (kid, key) in session.info.pop("frontdoor_seal_pending", {}).items():
                self._remember(kid, tenant, digest, key)
            session.info.pop("frontdoor_seal_hooked", None)

        def _rolled_back(*_args: Any) -> None:
            session.info.pop("frontdoor_seal_pending", None)
            session.info.pop("frontdoor_seal_hooked", None)

        sa_event.listen(session.sync_session, "after_commit", _committed, once=True)
        sa_event.listen(session.sync_session, "after_soft_rollback", _rolled_back, once=True)

    def _remember(self, kid: str, tenant: str, digest: str, key: Fernet) -> None:
        if len(self._keys) > 50_000:  # bounded: a cache, not the store
            self._keys.clear()
            self._by_subject.clear()
        self._keys[kid] = key
        self._by_subject[(tenant, digest)] = (kid, time.monotonic() + self.cache_s)

    async def shred(self, session: AsyncSession, tenant: str, digests: Iterable[str]) -> int:
        """Erase the keys of these subjects (digests) in the caller's transaction: what they sealed
        is unreadable everywhere from the commit on. Returns how many keys were erased."""
        wanted = sorted(set(digests))
        if not wanted:
            return 0
        shredded = 0
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            result = await session.execute(
                update(seal_keys)
                .where(
                    seal_keys.c.tenant == tenant, seal_keys.c.subject.in_(chunk), seal_keys.c.wrapped_key.is_not(None)
                )
                .values(wrapped_key=None, shredded_at=datetime.now(UTC))
            )
            shredded += int(getattr(result, "rowcount", 0) or 0)
        for digest in wanted:  # never seal with a shredded key again (other processes: within `cache_s`)
            known = self._by_subject.pop((tenant, digest), None)
            if known is not None:
                self._keys.pop(known[0], None)
        pending = session.info.get("frontdoor_seal_pending", {})
        for digest in wanted:
            pending.pop((tenant, digest), None)
        return shredded

    async def rotate(self, session: AsyncSession, tenant: str, subject: str) -> str:
        """A new data key for `subject` (new values are sealed with it; old ones keep theirs)."""
        digest = self.digest(tenant, subject)
        self._by_subject.pop((tenant, digest), None)
        kid, _key = await self._new_key(session, tenant, digest)
        return kid

    async def rewrap(self, session: AsyncSession, *, batch: int = 500) -> tuple[int, int]:
        """Re-wrap every data key with the newest wrapping key (after `seal_keys` got a new first
        key; the old one can go once this has run everywhere). Returns (rewrapped, already newest).
        The data keys themselves do not change: nothing sealed needs rewriting."""
        rewrapped = current = 0
        last = ""
        while True:
            rows = (
                await session.execute(
                    select(seal_keys.c.kid, seal_keys.c.wrapped_key)
                    .where(seal_keys.c.kid > last, seal_keys.c.wrapped_key.is_not(None))
                    .order_by(seal_keys.c.kid)
                    .limit(batch)
                )
            ).all()
            for row in rows:
                try:
                    self._newest.decrypt(row.wrapped_key.encode())
                    current += 1
                    continue
                except InvalidToken:
                    pass
                new = self._wrap.rotate(row.wrapped_key.encode()).decode()
                await session.execute(update(seal_keys).where(seal_keys.c.kid == row.kid).values(wrapped_key=new))
                rewrapped += 1
            if len(rows) < batch:
                return rewrapped, current
            last = rows[-1].kid

    async def key(self, session: AsyncSession, tenant: str, kid: str) -> tuple[bool, str | None]:
        """(exists, key) of one of this service's keys in `tenant`: (False, None) unknown,
        (True, None) shredded, (True, key) readable. Always read from the database."""
        row = (
            await session.execute(
                select(seal_keys.c.wrapped_key).where(and_(seal_keys.c.tenant == tenant, seal_keys.c.kid == kid))
            )
        ).first()
        if row is None:
            return False, None
        if row.wrapped_key is None:
            return True, None
        return True, self._wrap.decrypt(row.wrapped_key.encode()).decode()

    async def open_own(self, session: AsyncSession, tenant: str, value: str | None) -> str | None:
        """The plaintext of a value this service sealed (None when shredded or not readable)."""
        if value is None:
            return None
        parts = parse(value)
        if parts is None:
            return value
        if parts.service != self.service:
            raise ValueError("sealed by another service: use an Unsealer")
        _exists, key = await self.key(session, tenant, parts.kid)
        if key is None:
            return None
        try:
            return Fernet(key.encode()).decrypt(parts.token.encode()).decode()
        except InvalidToken:
            return None

    def __repr__(self) -> str:  # never show keys
        return f"Sealer({self.service}, <keys hidden>)"


class UnsealUnavailable(Exception):
    """The service holding the key did not answer: try again later (a consumer retries)."""


class Unsealer:
    """Opens values sealed by any service: own keys from the database, other services' keys over
    HTTP (`GET {service_url}/internal/v1/seal-keys/{kid}`, cached for `ttl_s`). A shredded or unknown key
    reads as None (erased); an unreachable service raises `UnsealUnavailable`."""

    def __init__(
        self,
        sealer: Sealer,
        service_urls: dict[str, str],
        token_for: Any,
        *,
        client: httpx.AsyncClient | None = None,
        ttl_s: float = 60.0,
        timeout_s: float = 2.0,
    ) -> None:
        self.sealer = sealer
        self.service_urls = {k: v.rstrip("/") for k, v in service_urls.items() if v}
        self._token_for = token_for  # tenant -> bearer token with privacy:unseal
        self._client = client
        self._own_client = client is None
        self._cache: dict[tuple[str, str, str], tuple[float, str | None]] = {}
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s

    async def close(self) -> None:
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    async def unseal(self, session: AsyncSession, tenant: str, value: str | None) -> str | None:
        """The plaintext of `value` (returned as is when not sealed), or None when erased."""
        if value is None:
            return None
        parts = parse(value)
        if parts is None:
            return value
        if parts.service == self.sealer.service:
            return await self.sealer.open_own(session, tenant, value)
        key = await self._remote_key(tenant, parts.service, parts.kid)
        if key is None:
            return None
        try:
            return Fernet(key.encode()).decrypt(parts.token.encode()).decode()
        except InvalidToken:
            return None

    async def _remote_key(self, tenant: str, service: str, kid: str) -> str | None:
        now = time.monotonic()
        cached = self._cache.get((tenant, service, kid))
        if cached is not None and cached[0] > now:
            return cached[1]
        url = self.service_urls.get(service)
        if not url:
            raise UnsealUnavailable(f"no address for the {service} service")
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout_s)
        try:
            answer = await self._client.get(
                f"{url}/internal/v1/seal-keys/{kid}",
                headers={"Authorization": f"Bearer {self._token_for(tenant)}"},
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as exc:
            raise UnsealUnavailable(f"{service} unreachable: {type(exc).__name__}") from None
        if answer.status_code in (404, 410):
            key: str | None = None
        elif answer.status_code == 200:
            key = str(answer.json()["key"])
        else:
            raise UnsealUnavailable(f"{service} answered {answer.status_code}")
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[(tenant, service, kid)] = (now + self.ttl_s, key)
        return key
