"""The retention of audit entries (issue 17): a tenant's reads of personal data older than its
window are deleted, and the hash chain stays verifiable.

The chain is cut at the front only: the entries deleted are the oldest run of it (seq
`pruned_before`..N), every one older than the cutoff, and the chain's head records the checkpoint
(`pruned_before` = N + 1 and `pruned_hash` = the hash of entry N). Verification then starts there:
the first entry kept must link to the checkpoint's hash, and every alteration, deletion or
insertion after it is found as before. Before deleting, the run is verified itself: a tampered
entry is never pruned out of sight (the tenant's entries are then kept, and the break is logged).

Entries are chained in the order they are written, which is their time order up to concurrent
writers a moment apart; an entry older than the cutoff that follows a newer one waits for the next
run (the run deleted is always a prefix of the chain).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.logging import get_logger
from frontdoor_members.audit import repository
from frontdoor_members.audit.chain import Entry, Walk

log = get_logger(__name__)

PAGE = 1000  # entries per page when checking the run about to be pruned


async def prune_audit(session: AsyncSession, tenant: str, cutoff: datetime) -> int:
    """Delete the tenant's audit entries older than `cutoff` (an entry at `cutoff` stays), in the
    caller's transaction, and record the chain's new checkpoint; how many were deleted."""
    head = await repository.chain_head(session, tenant, lock=True)
    if head is None:
        return 0
    first_kept = await repository.first_kept(session, tenant, head.pruned_before, cutoff)
    last = head.seq if first_kept is None else min(first_kept - 1, head.seq)
    if last < head.pruned_before:
        return 0
    last_hash = head.hash if last == head.seq else await repository.prev_hash_at(session, tenant, last + 1)
    if last_hash is None:
        log.error("audit entries not pruned: the chain is broken", tenant=tenant, seq=last + 1, reason="missing")
        return 0
    # the run about to go must verify: from the checkpoint, linked, ending at the hash the next entry names
    walk = Walk(
        head_seq=last,
        head_hash=last_hash,
        expected_seq=head.pruned_before,
        prev_hash=head.pruned_hash,
        floor=head.pruned_before,
    )
    after: tuple[int, uuid.UUID] | None = (head.pruned_before - 1, _MAX_UUID) if head.pruned_before > 1 else None
    while walk.broken is None:
        rows = await repository.chain_page(session, tenant, after, PAGE)
        run = [r for r in rows if r.seq <= last]
        await asyncio.to_thread(walk.feed, cast(list[Entry], run))
        if len(run) < len(rows) or not rows:
            break
        after = (rows[-1].seq, rows[-1].id)
    broken = walk.finish()
    if broken is not None:
        log.error("audit entries not pruned: the chain is broken", tenant=tenant, seq=broken.seq, reason=broken.reason)
        return 0
    deleted = await repository.delete_through(session, tenant, head.pruned_before, last)
    await repository.set_checkpoint(session, tenant, last + 1, last_hash)
    log.info("audit entries pruned", tenant=tenant, deleted=deleted, pruned_before=last + 1)
    return deleted


_MAX_UUID = uuid.UUID(int=(1 << 128) - 1)
