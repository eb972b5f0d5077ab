"""Recording reads of personal data, in the reading request's own transaction, chained by hash
per tenant; and verifying a tenant's chain."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import Unavailable
from frontdoor_common.logging import get_logger
from frontdoor_members.audit import repository
from frontdoor_members.audit.chain import GENESIS, HEAD_MISMATCH, Break, Entry, Walk, entry_hash
from frontdoor_members.audit.models import PersonalDataRead
from frontdoor_members.members import repository as members

log = get_logger(__name__)

VERIFY_PAGE = 1000  # entries per page when walking a chain


async def record_read(
    session: AsyncSession,
    *,
    tenant_id: str,
    member_id: uuid.UUID,
    subject: str,
    purpose: str,
    fields: list[str],
    contact_id: uuid.UUID | None,
    request_id: str | None,
    at: datetime,
) -> PersonalDataRead:
    """Write the audit record now, as the next entry of the tenant's chain; if it cannot be written
    the read fails (503), revealing nothing."""
    try:
        async with session.begin_nested():
            # holds the tenant's head (row lock) until the request's transaction ends, so the
            # entry and its head commit or roll back together with the read itself
            seq, prev_hash = await repository.take_head(session, tenant_id)
            entry = PersonalDataRead(
                tenant_id=tenant_id,
                member_id=member_id,
                subject=subject,
                purpose=purpose,
                fields=list(fields),
                contact_id=contact_id,
                request_id=request_id,
                at=at,
                seq=seq,
                prev_hash=prev_hash,
                hash="",
            )
            entry.hash = entry_hash(
                id=entry.id,
                tenant_id=tenant_id,
                seq=seq,
                member_id=member_id,
                subject=subject,
                contact_id=contact_id,
                purpose=purpose,
                fields=entry.fields,
                request_id=request_id,
                at=at,
                prev_hash=prev_hash,
            )
            session.add(entry)
            await session.flush()
            await repository.set_head(session, tenant_id, entry.hash)
    except SQLAlchemyError as exc:
        log.error("personal data read refused: audit record not written", error_type=type(exc).__name__)
        raise Unavailable("The read could not be audited, so it was refused.", error_id="audit_unavailable") from None
    return entry


async def reads_of(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, offset: int, limit: int
) -> list[PersonalDataRead]:
    """The latest reads of the member's personal data (404 for no such member)."""
    member = await members.require(session, tenant_id, member_id)
    return await repository.reads_of(session, tenant_id, member.id, limit, offset)


@dataclass(frozen=True)
class Verification:
    """The outcome of walking one tenant's chain."""

    tenant_id: str
    entries: int  # entries verified before the first break (all of them when ok)
    head_seq: int
    head_hash: str
    broken: Break | None
    pruned_before: int = 1  # the checkpoint: entries before this seq were pruned by retention

    @property
    def ok(self) -> bool:
        """Whether the whole chain verified."""
        return self.broken is None


async def verify(session: AsyncSession, tenant_id: str, *, page: int = VERIFY_PAGE) -> Verification:
    """Walk the tenant's chain in seq order, a page at a time, recomputing every hash (off the event
    loop) and checking the links, the seqs and the head.

    A chain pruned by the retention of audit entries is walked from its checkpoint (the head's
    `pruned_before` and `pruned_hash`): the first entry kept must link to the last one pruned, and
    from there on every alteration, deletion or insertion is found as before.

    Safe while reads are being audited: the walk stops at the head read first (its entries are
    committed with it); an entry beyond the head only counts as inserted if it is still beyond the
    head read again afterwards (a real entry commits together with its head)."""
    found = await repository.chain_head(session, tenant_id)
    if found is None and await repository.last_seq(session, tenant_id) > 0:
        return Verification(tenant_id, 0, 0, GENESIS, Break(1, HEAD_MISMATCH, "entries without a chain head"))
    start = found or repository.Head(0, GENESIS)
    walk = Walk(
        head_seq=start.seq,
        head_hash=start.hash,
        expected_seq=start.pruned_before,
        prev_hash=start.pruned_hash,
        floor=start.pruned_before,
    )
    after: tuple[int, uuid.UUID] | None = None
    while walk.broken is None:
        rows = await repository.chain_page(session, tenant_id, after, page)
        if not rows:
            break
        beyond = [r for r in rows if r.seq > walk.head_seq]
        await asyncio.to_thread(walk.feed, cast(list[Entry], [r for r in rows if r.seq <= walk.head_seq]))
        if beyond:
            break
        after = (rows[-1].seq, rows[-1].id)
    walk.finish()
    if walk.broken is None:
        # The last seq first, then the head: an entry counted in `last` committed together with its
        # head, so a head read after it is at least that far, even in READ COMMITTED where each
        # statement sees a newer state. Only a forged entry stays beyond it (read the other way round,
        # an entry committed between the two reads looked inserted: seen on PostgreSQL under load).
        last = await repository.last_seq(session, tenant_id)
        now = await repository.head(session, tenant_id) or (0, GENESIS)
        if last > now[0]:
            tail = Walk(head_seq=now[0], head_hash=now[1], expected_seq=now[0] + 1)
            rows = await repository.chain_page(session, tenant_id, (now[0], _MAX_UUID), 1)
            tail.feed(cast(list[Entry], [r for r in rows if r.seq <= last]))
            walk.broken = tail.broken
    return Verification(tenant_id, walk.entries, start.seq, start.hash, walk.broken, start.pruned_before)


_MAX_UUID = uuid.UUID(int=(1 << 128) - 1)


def report(v: Verification) -> dict[str, Any]:
    """A verification as a JSON-able dict (the endpoint's and the command's shape)."""
    return {
        "tenant_id": v.tenant_id,
        "ok": v.ok,
        "entries": v.entries,
        "head_seq": v.head_seq,
        "head_hash": v.head_hash,
        "pruned_before": v.pruned_before,
        "broken_seq": None if v.broken is None else v.broken.seq,
        "reason": None if v.broken is None else v.broken.reason,
        "detail": None if v.broken is None else v.broken.detail,
    }
