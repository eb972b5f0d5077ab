"""The audit trail is a hash chain per tenant: audited reads chain gapless, and any alteration of
the stored trail (a changed field, a deleted, inserted, swapped or forged entry) is found at its seq."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from frontdoor_members.audit.chain import ALTERED, GENESIS, HEAD_MISMATCH, INSERTED, MISSING, entry_hash, hash_of
from frontdoor_members.audit.models import PersonalDataRead
from frontdoor_members.testing import OTHER_TENANT, TENANT, headers

from .conftest import T0, audited_read, chain, head, member_and_contact, record, sql, verify

READS = PersonalDataRead.__table__  # type: ignore[attr-defined]


async def alter(app: FastAPI, at_seq: int, tenant: str = TENANT, **values: Any) -> None:
    """UPDATE one stored entry's columns in SQL, leaving its hash as it was."""
    async with app.state.runtime.db.transaction() as s:
        await s.execute(update(READS).where(READS.c.tenant_id == tenant, READS.c.seq == at_seq).values(**values))


async def test_audited_reads_form_a_gapless_chain_each_entry_linked_to_the_one_before(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member, contact_id = await member_and_contact(client)
    for i in range(4):
        assert await audited_read(client, member, contact_id, **{"X-Request-Id": f"req-{i}"}) == 200
    entries = await chain(app)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert [e.request_id for e in entries] == ["req-0", "req-1", "req-2", "req-3"]
    assert entries[0].prev_hash == GENESIS
    for before, entry in itertools.pairwise(entries):
        assert entry.prev_hash == before.hash
    assert all(hash_of(e) == e.hash and len(e.hash) == 64 for e in entries)
    top = await head(app)
    assert top is not None and (top.seq, top.hash) == (4, entries[-1].hash)
    result = await verify(app)
    assert result.ok and result.entries == 4 and result.head_seq == 4


@pytest.mark.parametrize(
    "change",
    [
        {"purpose": "curiosity"},
        {"subject": "someone-else"},
        {"fields": ["address"]},
        {"member_id": uuid.UUID(int=7)},
        {"request_id": None},
        {"contact_id": uuid.UUID(int=9)},
        {"at": T0 + timedelta(seconds=2, microseconds=3)},  # a microsecond off
        {"prev_hash": "f" * 64},
        {"hash": "e" * 64},
        {"tenant_id": OTHER_TENANT},  # moved to another tenant's trail: missing here, inserted there
    ],
    ids=lambda c: next(iter(c)),
)
async def test_altering_one_field_of_one_entry_is_detected_at_its_seq(app: FastAPI, change: dict[str, Any]) -> None:
    await record(app, 5)
    assert (await verify(app)).ok
    await alter(app, 3, **change)
    result = await verify(app)
    assert not result.ok and result.broken is not None
    if "tenant_id" in change:
        assert (result.broken.seq, result.broken.reason) == (3, MISSING)
        other = await verify(app, OTHER_TENANT)
        assert other.broken is not None and other.broken.reason == HEAD_MISMATCH
        return
    assert (result.broken.seq, result.broken.reason) == (3, ALTERED), result.broken
    assert result.entries == 2  # the two before it verified


async def test_deleting_an_entry_in_the_middle_is_detected_as_missing(app: FastAPI) -> None:
    await record(app, 6)
    await sql(app, "DELETE FROM personal_data_reads WHERE tenant_id = :t AND seq = 4", t=TENANT)
    result = await verify(app)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (4, MISSING)


async def test_deleting_the_latest_entries_is_detected_against_the_head(app: FastAPI) -> None:
    await record(app, 6)
    await sql(app, "DELETE FROM personal_data_reads WHERE tenant_id = :t AND seq >= 5", t=TENANT)
    result = await verify(app)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (5, MISSING)


async def test_a_forged_entry_appended_with_a_correct_hash_is_detected_beyond_the_head(app: FastAPI) -> None:
    await record(app, 3)
    last = (await chain(app))[-1]
    await _insert(app, seq=4, prev_hash=last.hash)
    result = await verify(app)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (4, INSERTED)


async def test_a_forged_entry_inserted_in_the_middle_is_detected(app: FastAPI) -> None:
    await record(app, 5)
    entries = await chain(app)
    # make room at 3 (renumbering 3.. to 4..) and insert a well-formed entry linked to entry 2
    for seq in (5, 4, 3):
        await alter(app, seq, seq=seq + 1)
    await _insert(app, seq=3, prev_hash=entries[1].hash)
    await sql(app, "UPDATE audit_chain_heads SET seq = 6 WHERE tenant_id = :t", t=TENANT)
    result = await verify(app)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (3, INSERTED), result.broken


async def test_an_entry_rewritten_with_a_recomputed_hash_breaks_the_next_link(app: FastAPI) -> None:
    await record(app, 5)
    entry = (await chain(app))[1]
    entry.purpose = "curiosity"
    await alter(app, 2, purpose="curiosity", hash=hash_of(entry))
    result = await verify(app)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (3, INSERTED)


async def test_swapping_two_entries_is_detected(app: FastAPI) -> None:
    await record(app, 5)
    await alter(app, 2, seq=-2)
    await alter(app, 3, seq=2)
    await alter(app, -2, seq=3)
    result = await verify(app)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (2, ALTERED), result.broken


async def test_a_verification_a_page_at_a_time_finds_breaks_across_page_boundaries(app: FastAPI) -> None:
    await record(app, 10)
    assert (await verify(app, page=3)).entries == 10
    await sql(app, "DELETE FROM personal_data_reads WHERE tenant_id = :t AND seq = 7", t=TENANT)  # first of page 3
    result = await verify(app, page=3)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (7, MISSING)
    assert result.entries == 6


async def test_two_tenants_chains_are_independent(app: FastAPI) -> None:
    await record(app, 3, TENANT)
    await record(app, 2, OTHER_TENANT)
    await record(app, 1, TENANT)
    assert [e.seq for e in await chain(app, TENANT)] == [1, 2, 3, 4]
    assert [e.seq for e in await chain(app, OTHER_TENANT)] == [1, 2]
    assert (await chain(app, OTHER_TENANT))[0].prev_hash == GENESIS
    await alter(app, 2, OTHER_TENANT, purpose="curiosity")
    assert (await verify(app, TENANT)).ok
    broken = await verify(app, OTHER_TENANT)
    assert broken.broken is not None and broken.broken.seq == 2


async def test_a_head_rewritten_to_another_hash_is_detected(app: FastAPI) -> None:
    await record(app, 2)
    await sql(app, "UPDATE audit_chain_heads SET hash = :h WHERE tenant_id = :t", h="a" * 64, t=TENANT)
    result = await verify(app)
    assert result.broken is not None and (result.broken.seq, result.broken.reason) == (2, HEAD_MISMATCH)
    await sql(app, "DELETE FROM audit_chain_heads WHERE tenant_id = :t", t=TENANT)
    assert (b := (await verify(app)).broken) is not None and b.reason == HEAD_MISMATCH


@pytest.mark.slow  # a volume/race check: CI's slow step runs it (make test stays under 15 minutes)
async def test_concurrent_audited_reads_in_one_tenant_form_a_gapless_chain(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member, contact_id = await member_and_contact(client)
    # the first wave races to create the tenant's chain head, the second to extend it
    for wave in (10, 20):
        statuses = await asyncio.gather(*(audited_read(client, member, contact_id) for _ in range(wave)))
        assert statuses == [200] * wave
    entries = await chain(app)
    assert [e.seq for e in entries] == list(range(1, 31))
    result = await verify(app)
    assert result.ok and result.entries == 30, result.broken


@pytest.mark.slow  # a volume/race check: CI's slow step runs it (make test stays under 15 minutes)
async def test_a_verification_while_reads_are_audited_reports_no_false_break(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member, contact_id = await member_and_contact(client)
    await audited_read(client, member, contact_id)
    results = []

    async def verify_repeatedly() -> None:
        for _ in range(10):
            results.append(await verify(app, page=2))  # entries commit between its pages
            await asyncio.sleep(0)

    await asyncio.gather(verify_repeatedly(), *(audited_read(client, member, contact_id) for _ in range(20)))
    assert all(r.ok for r in results), [r.broken for r in results if not r.ok]
    assert (await verify(app)).entries == 21


async def test_a_read_whose_transaction_rolls_back_leaves_neither_entry_nor_head(app: FastAPI) -> None:
    await record(app, 2)
    with pytest.raises(RuntimeError):
        async with app.state.runtime.db.transaction() as s:
            from frontdoor_members.audit import service

            await service.record_read(
                s,
                tenant_id=TENANT,
                member_id=uuid.uuid4(),
                subject="a",
                purpose="p",
                fields=[],
                contact_id=None,
                request_id=None,
                at=T0,
            )
            raise RuntimeError("the read failed after its audit")
    assert (top := await head(app)) is not None and top.seq == 2
    await record(app, 1)
    assert [e.seq for e in await chain(app)] == [1, 2, 3] and (await verify(app)).ok


async def test_the_admin_endpoint_verifies_the_callers_tenant_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    await record(app, 3, TENANT)
    await record(app, 3, OTHER_TENANT)
    ok = await client.get("/admin/audit/verify", headers=headers(scopes="admin"))
    assert ok.status_code == 200, ok.text
    assert ok.json() | {"head_hash": None} == {
        "tenant_id": TENANT,
        "ok": True,
        "entries": 3,
        "head_seq": 3,
        "head_hash": None,
        "pruned_before": 1,
        "broken_seq": None,
        "reason": None,
        "detail": None,
    }
    await alter(app, 2, OTHER_TENANT, subject="x")
    assert (await client.get("/admin/audit/verify", headers=headers(scopes="admin"))).json()["ok"] is True
    other = (await client.get("/admin/audit/verify", headers=headers(OTHER_TENANT, scopes="admin"))).json()
    assert (other["ok"], other["broken_seq"], other["reason"]) == (False, 2, "altered")
    denied = await client.get("/admin/audit/verify", headers=headers(scopes="members:read members:pii"))
    assert denied.status_code == 403
    empty = await client.get("/admin/audit/verify", headers=headers("b" * 8, scopes="admin"))
    assert empty.json()["ok"] is True and empty.json()["entries"] == 0


async def _insert(app: FastAPI, *, seq: int, prev_hash: str) -> None:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": TENANT,
        "seq": seq,
        "member_id": uuid.uuid4(),
        "subject": "forger",
        "contact_id": None,
        "purpose": "nothing_to_see",
        "fields": ["national_id"],
        "request_id": None,
        "at": T0,
        "prev_hash": prev_hash,
    }
    async with app.state.runtime.db.transaction() as s:
        await s.execute(READS.insert().values(**fields, hash=entry_hash(**fields)))
