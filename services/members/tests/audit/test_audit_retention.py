"""The retention of audit entries (issue 17): `prune_audit` deletes exactly the entries older than
the cutoff, from the front of the chain, and records a checkpoint in the chain's head; the chain
that remains verifies (service, admin endpoint, command), and an altered, deleted or re-inserted
entry after the checkpoint is still found at its seq. A tampered run is never pruned out of sight."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, insert, select, update

from frontdoor_common.clock import ManualClock
from frontdoor_members.audit import service
from frontdoor_members.audit import verify as command
from frontdoor_members.audit.chain import ALTERED, GENESIS, INSERTED, MISSING
from frontdoor_members.audit.models import AuditChainHead, PersonalDataRead
from frontdoor_members.audit.retention import prune_audit
from frontdoor_members.audit.service import Verification
from frontdoor_members.settings import Settings
from frontdoor_members.testing import ASTRID_NID, OTHER_TENANT, TENANT, create_member, headers, verified_contact

READS = PersonalDataRead.__table__  # type: ignore[attr-defined]
HEADS = AuditChainHead.__table__  # type: ignore[attr-defined]


async def _audited_read(client: httpx.AsyncClient, member: dict[str, Any]) -> None:
    contact_id = await verified_contact(client, member, ASTRID_NID)
    r = await client.get(f"/v1/members/{member['id']}", headers=headers(**{"X-Contact-Id": contact_id}))
    assert r.status_code == 200 and r.json()["national_id_revealed"] is True, r.text


async def _record(app: FastAPI, ats: list[datetime], tenant: str = TENANT) -> None:
    """One audited read at each of `ats`, in order, each in its own transaction (as requests would)."""
    member = uuid.uuid4()
    for i, at in enumerate(ats):
        async with app.state.runtime.db.transaction() as s:
            await service.record_read(
                s,
                tenant_id=tenant,
                member_id=member,
                subject=f"agent-{i}",
                purpose="dues_question",
                fields=["national_id", "address"],
                contact_id=None,
                request_id=f"req-{i}",
                at=at,
            )


async def _prune(app: FastAPI, cutoff: datetime, tenant: str = TENANT) -> int:
    async with app.state.runtime.db.transaction() as s:
        deleted: int = await prune_audit(s, tenant, cutoff)
    return deleted


async def _chain(app: FastAPI, tenant: str = TENANT) -> list[Any]:
    async with app.state.runtime.db.transaction() as s:
        return list((await s.execute(select(READS).where(READS.c.tenant_id == tenant).order_by(READS.c.seq))).all())


async def _head(app: FastAPI, tenant: str = TENANT) -> Any:
    async with app.state.runtime.db.transaction() as s:
        return (await s.execute(select(HEADS).where(HEADS.c.tenant_id == tenant))).one()


async def _verify(app: FastAPI, tenant: str = TENANT, page: int = 1000) -> Verification:
    async with app.state.runtime.db.snapshot() as s:
        return await service.verify(s, tenant, page=page)


async def _sql(app: FastAPI, statement: Any) -> None:
    async with app.state.runtime.db.transaction() as s:
        await s.execute(statement)


async def test_audited_reads_older_than_the_cutoff_are_pruned_exactly_and_the_rest_verifies(
    app: FastAPI, client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    member = await create_member(client)
    cutoff = clock.now() + timedelta(days=2)
    # reads two days and one day before the cutoff, a second before it, at it, a second after, a day after
    for step in (timedelta(0), timedelta(days=1), timedelta(days=1, seconds=-1), timedelta(seconds=1)):
        clock.advance(seconds=step.total_seconds())
        await _audited_read(client, member)
    clock.advance(seconds=1)
    await _audited_read(client, member)
    clock.advance(days=1)
    await _audited_read(client, member)
    before = await _chain(app)
    assert [r.seq for r in before] == [1, 2, 3, 4, 5, 6]
    assert [r.at - cutoff for r in before][2:5] == [timedelta(seconds=-1), timedelta(0), timedelta(seconds=1)]

    assert await _prune(app, cutoff) == 3
    after = await _chain(app)
    assert [r.seq for r in after] == [4, 5, 6] and after[0].at == cutoff  # the entry at the cutoff stays
    head = await _head(app)
    assert (head.seq, head.hash, head.pruned_before, head.pruned_hash) == (6, before[-1].hash, 4, before[2].hash)
    assert await _prune(app, cutoff) == 0  # again: nothing more is older

    result = await _verify(app)
    assert result.ok and (result.entries, result.head_seq, result.pruned_before) == (3, 6, 4)
    for page in (1, 2):  # across page boundaries too
        assert (await _verify(app, page=page)).ok
    r = await client.get("/admin/audit/verify", headers=headers(scopes="admin"))
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in ("ok", "entries", "head_seq", "pruned_before", "reason")} == {
        "ok": True,
        "entries": 3,
        "head_seq": 6,
        "pruned_before": 4,
        "reason": None,
    }
    out = io.StringIO()
    assert await command.run(settings.effective_database_url, TENANT, out=out) == 0
    assert f"{TENANT}: OK (3 entries, head 6 {before[-1].hash}, pruned before seq 4)" in out.getvalue()

    # the chain goes on from its head; a later cutoff prunes on from the checkpoint
    clock.advance(days=1)
    await _audited_read(client, member)
    assert await _prune(app, clock.now() - timedelta(hours=12)) == 3
    assert [r.seq for r in await _chain(app)] == [7]
    result = await _verify(app)
    assert result.ok and (result.entries, result.pruned_before) == (1, 7)


@pytest.fixture
async def pruned(app: FastAPI, client: httpx.AsyncClient, clock: ManualClock) -> datetime:
    """Six entries a minute apart in TENANT, three in OTHER_TENANT; TENANT's first three pruned."""
    t0 = clock.now()
    await _record(app, [t0 + timedelta(minutes=i) for i in range(6)])
    await _record(app, [t0 + timedelta(minutes=i) for i in range(3)], OTHER_TENANT)
    assert await _prune(app, t0 + timedelta(minutes=3)) == 3
    assert (await _verify(app)).ok
    return t0


async def test_another_tenants_trail_is_not_pruned(app: FastAPI, pruned: datetime) -> None:
    assert [r.seq for r in await _chain(app, OTHER_TENANT)] == [1, 2, 3]
    theirs = await _head(app, OTHER_TENANT)
    assert (theirs.pruned_before, theirs.pruned_hash) == (1, GENESIS)
    assert (await _verify(app, OTHER_TENANT)).ok


async def test_altering_an_entry_after_the_checkpoint_is_detected(app: FastAPI, pruned: datetime) -> None:
    await _sql(app, update(READS).where(READS.c.tenant_id == TENANT, READS.c.seq == 5).values(purpose="curiosity"))
    result = await _verify(app)
    assert not result.ok and result.broken is not None
    assert (result.broken.seq, result.broken.reason) == (5, ALTERED)


@pytest.mark.parametrize(("seq", "found_at"), [(4, 4), (5, 5), (6, 6)])  # right after the checkpoint, inside, the last
async def test_deleting_an_entry_after_the_checkpoint_is_detected(
    app: FastAPI, pruned: datetime, seq: int, found_at: int
) -> None:
    await _sql(app, delete(READS).where(READS.c.tenant_id == TENANT, READS.c.seq == seq))
    result = await _verify(app)
    assert not result.ok and result.broken is not None
    assert (result.broken.seq, result.broken.reason) == (found_at, MISSING)


async def test_a_pruned_entry_put_back_or_a_forged_checkpoint_is_detected(app: FastAPI, pruned: datetime) -> None:
    real = (await _head(app)).pruned_hash
    await _sql(app, update(HEADS).where(HEADS.c.tenant_id == TENANT).values(pruned_hash="f" * 64))
    forged = await _verify(app)
    assert forged.broken is not None and (forged.broken.seq, forged.broken.reason) == (4, INSERTED)
    await _sql(app, update(HEADS).where(HEADS.c.tenant_id == TENANT).values(pruned_hash=real))
    # an entry before the checkpoint (a pruned one restored from a backup, or a forgery) does not belong
    kept = (await _chain(app))[0]
    values = dict(kept._mapping) | {"id": uuid.uuid4(), "seq": 2}
    await _sql(app, insert(READS).values(**values))
    back = await _verify(app)
    assert back.broken is not None and (back.broken.seq, back.broken.reason) == (2, INSERTED)


async def test_a_tampered_run_is_not_pruned_out_of_sight(app: FastAPI, client: httpx.AsyncClient) -> None:
    t0 = datetime.fromisoformat("2026-11-20T12:00:00+00:00")
    await _record(app, [t0 + timedelta(minutes=i) for i in range(5)])
    await _sql(app, update(READS).where(READS.c.tenant_id == TENANT, READS.c.seq == 2).values(subject="nobody"))
    assert await _prune(app, t0 + timedelta(minutes=4)) == 0
    assert [r.seq for r in await _chain(app)] == [1, 2, 3, 4, 5]
    assert (await _head(app)).pruned_before == 1
    result = await _verify(app)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (2, ALTERED)


async def test_pruning_every_entry_leaves_a_chain_that_goes_on(
    app: FastAPI, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    t0 = clock.now()
    await _record(app, [t0 + timedelta(minutes=i) for i in range(3)])
    assert await _prune(app, t0 + timedelta(days=1)) == 3
    assert await _chain(app) == []
    result = await _verify(app)
    assert result.ok and (result.entries, result.head_seq, result.pruned_before) == (0, 3, 4)
    await _record(app, [t0 + timedelta(days=2)])
    assert [r.seq for r in await _chain(app)] == [4]
    assert (await _verify(app)).ok
    # a tenant without any entry, and one whose chain is empty: nothing to prune
    assert await _prune(app, t0 + timedelta(days=3), tenant="no-such-tenant") == 0
