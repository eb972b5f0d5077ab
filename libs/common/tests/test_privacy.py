"""The personal-data lifecycle's common parts: sealed fields and their keys (crypto-shredding), the
seal-key endpoint another service's consumer asks, the erasure consumer and the retention job."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.tables import outbox
from frontdoor_common.events.privacy import ErasureRequested, RetentionChanged
from frontdoor_common.privacy.lifecycle import erasure_router, load_windows, save_windows
from frontdoor_common.privacy.seal import (
    Sealer,
    Unsealer,
    UnsealUnavailable,
    is_sealed,
    member_subject,
    parse,
    phone_subject,
)
from frontdoor_common.privacy.spec import ErasurePart, PrivacySpec, RetentionResult
from frontdoor_common.privacy.tables import seal_keys
from frontdoor_common.service import Runtime, ServiceSpec, build_app
from frontdoor_common.settings import DEV_DATA_KEY, ServiceSettings
from frontdoor_common.testing import running_app, serve_app

TENANT = "11111111-1111-4111-8111-111111111111"
OTHER = "22222222-2222-4222-8222-222222222222"
NUMBER = "+4791234567"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Hooks:
    """A service's hooks that record what the common code asked of them."""

    def __init__(self) -> None:
        self.erased: list[uuid.UUID] = []
        self.cutoffs: list[tuple[str, datetime]] = []

    async def export(
        self, _parts: Any, _s: Any, tenant: str, member_id: uuid.UUID
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        for n in range(3):
            yield "things", {"n": n, "tenant": tenant, "member_id": member_id}

    async def erase(self, _parts: Any, _s: Any, request: ErasureRequested) -> ErasurePart:
        self.erased.append(request.member_id)
        return ErasurePart(done={"things": 2}, kept=["dues: the law"], subjects=[phone_subject(NUMBER)])

    async def retain(self, _parts: Any, _s: Any, tenant: str, cutoff: datetime) -> RetentionResult:
        self.cutoffs.append((tenant, cutoff))
        return RetentionResult(deleted=4, anonymised=1)


@pytest.fixture
def hooks() -> Hooks:
    return Hooks()


@pytest.fixture
def app(make_settings: Callable[..., ServiceSettings], hooks: Hooks) -> FastAPI:
    spec: ServiceSpec[Any] = ServiceSpec(
        name="routing",
        title="t",
        description="d",
        routers=[],
        migrations="frontdoor_routing:migrations",
        privacy=PrivacySpec(export=hooks.export, erase=hooks.erase, retention={"call_records": hooks.retain}),
    )
    settings = make_settings(
        ServiceSettings, service_name="routing", run_consumers=False, retention_first_run_delay_s=3600
    )
    return build_app(settings, spec)


def runtime_of(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


async def seal(app: FastAPI, subject: str, value: str, tenant: str = TENANT) -> str:
    runtime = runtime_of(app)
    assert runtime.sealer is not None
    async with runtime.db.transaction() as s:
        sealed = await runtime.sealer.seal(s, tenant, subject, value)
    assert sealed is not None
    return sealed


def token(tenant: str = TENANT, scopes: str = "privacy:unseal") -> str:
    return mint_token(tenant_id=tenant, scopes=scopes)


async def test_a_sealed_field_opens_over_http_while_its_key_exists_and_never_after_the_erasure(app: FastAPI) -> None:
    async with serve_app(app) as url:
        runtime = runtime_of(app)
        sealed = await seal(app, phone_subject(NUMBER), NUMBER)
        assert is_sealed(sealed) and NUMBER not in sealed
        parts = parse(sealed)
        assert parts is not None and parts.service == "routing"
        reader = Unsealer(Sealer("surveys", [DEV_DATA_KEY], DEV_DATA_KEY), {"routing": url}, lambda t: token(t))
        try:
            async with runtime.db.transaction() as s:
                assert await reader.unseal(s, TENANT, sealed) == NUMBER
                assert await reader.unseal(s, TENANT, "+4700000000") == "+4700000000"  # not sealed: as is
                assert await reader.unseal(s, TENANT, None) is None
            async with httpx.AsyncClient(base_url=url) as http:
                # another tenant's token never sees the key; a token without the scope is refused
                other = await http.get(
                    f"/internal/v1/seal-keys/{parts.kid}", headers={"Authorization": f"Bearer {token(OTHER)}"}
                )
                assert other.status_code == 404
                weak = await http.get(
                    f"/internal/v1/seal-keys/{parts.kid}",
                    headers={"Authorization": f"Bearer {token(scopes='routing:read')}"},
                )
                assert weak.status_code == 403
                bad = await http.get("/internal/v1/seal-keys/..%2f..", headers={"Authorization": f"Bearer {token()}"})
                assert bad.status_code in (404, 422)
                assert runtime.sealer is not None
                async with runtime.db.transaction() as s:
                    digest = runtime.sealer.digest(TENANT, phone_subject(NUMBER))
                    assert await runtime.sealer.shred(s, TENANT, [digest]) == 1
                gone = await http.get(
                    f"/internal/v1/seal-keys/{parts.kid}", headers={"Authorization": f"Bearer {token()}"}
                )
                assert gone.status_code == 410
                assert gone.headers["content-type"].startswith("application/problem+json")
            fresh = Unsealer(Sealer("surveys", [DEV_DATA_KEY], DEV_DATA_KEY), {"routing": url}, lambda t: token(t))
            async with runtime.db.transaction() as s:
                assert await fresh.unseal(s, TENANT, sealed) is None
                assert await runtime.sealer.open_own(s, TENANT, sealed) is None
            await fresh.close()
            # a new value of the erased subject gets a new key: readable, the old one stays erased
            again = await seal(app, phone_subject(NUMBER), NUMBER)
            assert parse(again) is not None and parse(again).kid != parts.kid  # type: ignore[union-attr]
            async with runtime.db.transaction() as s:
                assert await runtime.sealer.open_own(s, TENANT, again) == NUMBER
        finally:
            await reader.close()


async def test_one_key_per_subject_none_kept_from_a_rollback_and_a_rotation_keeps_old_values_readable(
    app: FastAPI,
) -> None:
    async with running_app(app):
        runtime = runtime_of(app)
        sealer = runtime.sealer
        assert sealer is not None
        subject = member_subject(uuid.uuid4())
        first = await seal(app, subject, "Kari")
        second = await seal(app, subject, "Nordmann")
        assert parse(first).kid == parse(second).kid  # type: ignore[union-attr]
        with pytest.raises(RuntimeError):
            async with runtime.db.transaction() as s:
                rolled = await sealer.seal(s, TENANT, member_subject("rolled-back"), "x")
                raise RuntimeError("the request failed")
        async with runtime.db.transaction() as s:
            kids = (await s.execute(select(seal_keys.c.kid))).scalars().all()
            assert parse(rolled).kid not in kids  # type: ignore[union-attr]
            after = await sealer.seal(s, TENANT, member_subject("rolled-back"), "y")
        assert parse(after).kid != parse(rolled).kid  # type: ignore[union-attr]
        async with runtime.db.transaction() as s:
            await sealer.rotate(s, TENANT, subject)
        third = await seal(app, subject, "Oslo")
        assert parse(third).kid != parse(first).kid  # type: ignore[union-attr]
        async with runtime.db.transaction() as s:
            assert await sealer.open_own(s, TENANT, first) == "Kari"
            assert await sealer.open_own(s, TENANT, third) == "Oslo"
            # the same subject in another tenant is another key
            elsewhere = await sealer.seal(s, OTHER, subject, "Kari")
        assert parse(elsewhere).kid != parse(third).kid  # type: ignore[union-attr]


async def test_an_unreachable_producer_is_a_retry_not_an_erasure(app: FastAPI) -> None:
    async with running_app(app):
        sealed = await seal(app, phone_subject(NUMBER), NUMBER)
        reader = Unsealer(
            Sealer("surveys", [DEV_DATA_KEY], DEV_DATA_KEY), {"routing": "http://127.0.0.1:9"}, lambda t: token(t)
        )
        async with runtime_of(app).db.transaction() as s:
            with pytest.raises(UnsealUnavailable):
                await reader.unseal(s, TENANT, sealed)
        await reader.close()


async def test_the_erasure_consumer_runs_the_hook_erases_the_keys_and_reports_in_one_transaction(
    app: FastAPI, hooks: Hooks
) -> None:
    async with running_app(app):
        runtime = runtime_of(app)
        sealer = runtime.sealer
        assert sealer is not None and runtime.spec.privacy is not None
        member = uuid.uuid4()
        by_member = await seal(app, member_subject(member), "Kari Nordmann")
        by_phone = await seal(app, phone_subject(NUMBER), NUMBER)
        bystander = await seal(app, phone_subject("+4799999999"), "+4799999999")
        router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)
        request = ErasureRequested(
            erasure_id=uuid.uuid4(), tenant_id=TENANT, member_id=member, subjects=[], requested_at=NOW
        )
        # an envelope of another tenant naming this tenant's member does nothing
        async with runtime.db.transaction() as s:
            await router(s, Envelope.wrap(request, tenant=OTHER, source="members"))
        assert hooks.erased == []
        async with runtime.db.transaction() as s:
            await router(s, Envelope.wrap(request, tenant=TENANT, source="members"))
        assert hooks.erased == [member]
        async with runtime.db.transaction() as s:
            assert await sealer.open_own(s, TENANT, by_member) is None
            assert await sealer.open_own(s, TENANT, by_phone) is None  # the hook's subject
            assert await sealer.open_own(s, TENANT, bystander) == "+4799999999"
            rows = (await s.execute(select(outbox.c.type, outbox.c.payload))).all()
        reports = [json.loads(r.payload)["data"] for r in rows if r.type == "routing.erasure.completed"]
        assert len(reports) == 1
        assert reports[0]["report"] == {"done": {"things": 2}, "kept": ["dues: the law"], "keys_shredded": 2}
        assert reports[0]["member_id"] == str(member)


async def test_the_retention_job_applies_each_window_from_now_and_an_older_window_never_wins(
    app: FastAPI, hooks: Hooks
) -> None:
    async with running_app(app):
        runtime = runtime_of(app)
        assert runtime.retention is not None
        async with runtime.db.transaction() as s:
            await save_windows(s, TENANT, {"call_records": 30, "survey_answers": 10}, NOW)
            await save_windows(s, TENANT, {"call_records": 1}, NOW - timedelta(minutes=1))  # older: ignored
            await save_windows(s, OTHER, {"dossier_entries": 5}, NOW)  # a kind this service doesn't hold
        async with runtime.db.transaction() as s:
            assert (await load_windows(s))[TENANT] == {"call_records": 30, "survey_answers": 10}
        done = await runtime.retention.run_once(NOW)
        assert hooks.cutoffs == [(TENANT, NOW - timedelta(days=30))]
        assert done == [
            {
                "tenant": TENANT,
                "kind": "call_records",
                "cutoff": NOW - timedelta(days=30),
                "deleted": 4,
                "anonymised": 1,
            }
        ]
        async with runtime.db.transaction() as s:
            applied = (
                await s.execute(
                    select(func.count()).select_from(outbox).where(outbox.c.type == "routing.retention.applied")
                )
            ).scalar_one()
        assert applied == 1
        metrics = (
            await httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t").get("/metrics")
        ).text
        assert 'frontdoor_retention_items_total{action="deleted",kind="call_records",service="routing"} 4.0' in metrics


async def test_the_retention_consumer_mirrors_the_latest_windows(app: FastAPI) -> None:
    async with running_app(app):
        runtime = runtime_of(app)
        assert runtime.spec.privacy is not None
        router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)
        newer = RetentionChanged(tenant_id=TENANT, windows={"call_records": 7}, at=NOW)
        older = RetentionChanged(tenant_id=TENANT, windows={"call_records": 700}, at=NOW - timedelta(hours=1))
        async with runtime.db.transaction() as s:
            await router(s, Envelope.wrap(newer, tenant=TENANT, source="members"))
            await router(s, Envelope.wrap(older, tenant=TENANT, source="members"))
            await router(s, Envelope.wrap(newer, tenant=OTHER, source="members"))  # tenant mismatch: ignored
        async with runtime.db.transaction() as s:
            assert await load_windows(s) == {TENANT: {"call_records": 7}}


async def test_the_export_endpoint_streams_the_hooks_lines_for_the_callers_tenant_only(app: FastAPI) -> None:
    async with running_app(app) as client:
        member = uuid.uuid4()
        answer = await client.get(
            f"/internal/v1/personal-data/members/{member}",
            headers={"Authorization": f"Bearer {token(scopes='privacy:export')}"},
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in answer.text.splitlines()]
        assert [line["item"]["n"] for line in lines] == [0, 1, 2]
        assert {line["service"] for line in lines} == {"routing"}
        assert {line["item"]["tenant"] for line in lines} == {TENANT}
        assert lines[0]["item"]["member_id"] == str(member)
        refused = await client.get(
            f"/internal/v1/personal-data/members/{member}", headers={"Authorization": f"Bearer {token()}"}
        )
        assert refused.status_code == 403
        bad = await client.get(
            "/internal/v1/personal-data/members/not-a-uuid",
            headers={"Authorization": f"Bearer {token(scopes='privacy:export')}"},
        )
        assert bad.status_code == 422


async def test_a_new_seal_key_rewraps_every_data_key_and_the_old_one_can_go(
    make_settings: Callable[..., ServiceSettings], hooks: Hooks
) -> None:
    old, new = DEV_DATA_KEY, Fernet.generate_key().decode()

    def app_with(keys: list[str], url: str | None = None) -> FastAPI:
        spec: ServiceSpec[Any] = ServiceSpec(
            name="routing", title="t", description="d", routers=[], migrations="frontdoor_routing:migrations"
        )
        extra = {"database_url": url} if url else {}
        return build_app(
            make_settings(ServiceSettings, service_name="routing", run_consumers=False, seal_keys=keys, **extra), spec
        )

    first = app_with([old])
    async with running_app(first):
        sealed = await seal(first, phone_subject(NUMBER), NUMBER)
        url = runtime_of(first).settings.effective_database_url
    rotated = app_with([new, old], url)
    async with running_app(rotated) as client:
        admin = {"Authorization": f"Bearer {token(scopes='admin')}"}
        assert (
            await client.post("/admin/seal-keys/rewrap", headers={"Authorization": f"Bearer {token()}"})
        ).status_code == 403
        answer = await client.post("/admin/seal-keys/rewrap", headers=admin)
        assert answer.status_code == 200 and answer.json() == {"rewrapped": 1, "already_newest": 0}
        again = await client.post("/admin/seal-keys/rewrap", headers=admin)
        assert again.json() == {"rewrapped": 0, "already_newest": 1}
    only_new = app_with([new], url)
    async with running_app(only_new), runtime_of(only_new).db.transaction() as s:
        assert await runtime_of(only_new).sealer.open_own(s, TENANT, sealed) == NUMBER  # type: ignore[union-attr]
