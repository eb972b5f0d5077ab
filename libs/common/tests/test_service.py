"""The service factory: auth, problem+json, one commit per request, health, metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

import jwt
import pytest
from cryptography.fernet import Fernet
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from frontdoor_common.auth import Principal, mint_token, require
from frontdoor_common.bus.tables import outbox
from frontdoor_common.errors import Conflict
from frontdoor_common.service import RuntimeDep, ServiceSpec, SessionDep, build_app
from frontdoor_common.settings import DEV_JWT_SECRET, ServiceSettings
from frontdoor_common.testing import auth, eventually, running_app
from frontdoor_common.testing.ledger import Deposit

TENANT = "11111111-1111-4111-8111-111111111111"


class DepositIn(BaseModel):
    account: str = Field(min_length=1)
    amount: int = Field(gt=0)


def _router() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/deposits", status_code=201)
    async def deposit(
        body: DepositIn,
        session: SessionDep,
        runtime: RuntimeDep,
        principal: Annotated[Principal, require("routing:write")],
    ) -> dict[str, Any]:
        env = await runtime.outbox.add(
            session, Deposit(account=body.account, amount=body.amount), tenant=principal.tenant_id
        )
        if body.account == "conflict":
            # the event was staged, then the request fails: nothing may be published
            raise Conflict("Accounts named 'conflict' are refused.", error_id="account_refused", field="account")
        return {"event_id": env.id}

    return router


@pytest.fixture
def app(make_settings: Callable[..., ServiceSettings]) -> FastAPI:
    spec = ServiceSpec(
        name="libtest", title="t", description="d", routers=[_router()], migrations="frontdoor_routing:migrations"
    )
    return build_app(make_settings(ServiceSettings, service_name="routing", run_consumers=False), spec)


async def _count_outbox(app: FastAPI) -> int:
    async with app.state.runtime.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(outbox)) or 0)


async def test_a_request_commits_its_events_and_a_failed_request_writes_nothing(app: FastAPI) -> None:
    token = mint_token(tenant_id=TENANT, scopes="routing:write")
    async with running_app(app) as client:
        ok = await client.post("/v1/deposits", json={"account": "a", "amount": 3}, headers=auth(token))
        assert ok.status_code == 201, ok.text
        refused = await client.post("/v1/deposits", json={"account": "conflict", "amount": 3}, headers=auth(token))
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["error_id"] == "account_refused"
        assert refused.json()["field"] == "account"
        assert await _count_outbox(app) == 1


async def test_invalid_input_is_a_problem_naming_the_field(app: FastAPI) -> None:
    token = mint_token(tenant_id=TENANT, scopes="all")
    async with running_app(app) as client:
        r = await client.post("/v1/deposits", json={"account": "a", "amount": -5}, headers=auth(token))
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["error_id"] == "validation_failed"
        assert body["field"] == "amount"
        assert body["errors"][0]["field"] == "amount"
        r = await client.post(
            "/v1/deposits", content=b"{not json", headers={**auth(token), "content-type": "application/json"}
        )
        assert r.status_code == 422
        assert r.json()["error_id"] == "validation_failed"
        assert await _count_outbox(app) == 0


def _token(**claims: Any) -> str:
    now = int(time.time())
    base = {"sub": "u", "tenant": TENANT, "scope": "all", "iss": "frontdoor", "iat": now, "exp": now + 60}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, DEV_JWT_SECRET, algorithm="HS256")


# Tokens are made when the test runs (not at collection): a suite that runs longer than a
# token's lifetime must not turn "wrong issuer" into "expired".
BAD_TOKENS: dict[str, Any] = {
    "missing": lambda: None,
    "garbage": lambda: "not-a-jwt",
    "expired": lambda: _token(exp=int(time.time()) - 10),
    "wrong-signature": lambda: jwt.encode(
        {"sub": "u", "tenant": TENANT, "scope": "all", "iss": "frontdoor", "exp": int(time.time()) + 60},
        "another-secret-of-sufficient-length-000",
        algorithm="HS256",
    ),
    "no-tenant": lambda: _token(tenant=None),
    "wrong-issuer": lambda: _token(iss="someone-else"),
    "missing-scope": lambda: _token(scope="routing:read"),
}


@pytest.mark.parametrize(
    ("case", "status", "error_id"),
    [
        ("missing", 401, "token_missing"),
        ("garbage", 401, "token_invalid"),
        ("expired", 401, "token_expired"),
        ("wrong-signature", 401, "token_invalid"),
        ("no-tenant", 401, "token_invalid"),
        ("wrong-issuer", 401, "token_invalid"),
        ("missing-scope", 403, "scope_missing"),
    ],
)
async def test_bad_tokens_are_refused_with_problem_json(app: FastAPI, case: str, status: int, error_id: str) -> None:
    token = BAD_TOKENS[case]()
    async with running_app(app) as client:
        headers = auth(token) if token else {}
        r = await client.post("/v1/deposits", json={"account": "a", "amount": 1}, headers=headers)
        assert r.status_code == status
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["error_id"] == error_id
        if status == 401:
            assert r.headers["www-authenticate"].startswith("Bearer")
        assert await _count_outbox(app) == 0


async def test_a_token_for_a_tenant_this_instance_does_not_serve_is_forbidden(
    make_settings: Callable[..., ServiceSettings],
) -> None:
    spec = ServiceSpec(
        name="libtest", title="t", description="d", routers=[_router()], migrations="frontdoor_routing:migrations"
    )
    other = "22222222-2222-4222-8222-222222222222"
    app = build_app(make_settings(ServiceSettings, service_name="routing", tenants=[other], run_consumers=False), spec)
    async with running_app(app) as client:
        r = await client.post(
            "/v1/deposits", json={"account": "a", "amount": 1}, headers=auth(mint_token(tenant_id=TENANT))
        )
        assert r.status_code == 403
        assert r.json()["error_id"] == "tenant_not_served"


async def test_health_readiness_and_metrics(app: FastAPI) -> None:
    async with running_app(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "alive"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["broker"] == "ok"
        await client.get("/healthz")
        metrics = (await client.get("/metrics")).text
        assert 'frontdoor_http_requests_total{method="GET",route="/healthz",service="libtest",status="200"}' in metrics
        assert "frontdoor_outbox_pending" in metrics
        # the database goes away: readiness must say so
        app.state.runtime.db.ping = _failing_ping
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert not_ready.json()["checks"]["database"].startswith("down")


async def _failing_ping() -> None:
    raise ConnectionError("database unreachable")


def test_default_secrets_are_refused_in_production() -> None:
    with pytest.raises(ValueError, match="jwt_secret"):
        ServiceSettings(environment="production")
    real = "a-real-secret-from-the-vault-1234567890"
    with pytest.raises(ValueError, match="seal_keys and subject_digest_key"):
        ServiceSettings(environment="production", jwt_secret=real)
    key = Fernet.generate_key().decode()
    with pytest.raises(ValueError, match="seal_keys and subject_digest_key"):
        ServiceSettings(environment="production", jwt_secret=real, seal_keys=[key])
    assert ServiceSettings(
        environment="production", jwt_secret=real, seal_keys=[key], subject_digest_key="a-digest-key-0123456789abcdef"
    ).jwt_secret
    assert ServiceSettings(environment="development").jwt_secret == DEV_JWT_SECRET


def test_settings_come_from_the_environment_with_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    from frontdoor_routing.settings import Settings

    monkeypatch.setenv("ROUTING_TOPIC_PARTITIONS", "12")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("MEMBERS_TOPIC_PARTITIONS", "3")
    s = Settings()
    assert s.topic_partitions == 12
    assert s.kafka_bootstrap_servers == "kafka:9092"
    assert s.port == 8001


async def test_readiness_says_no_when_the_broker_is_down(make_settings: Callable[..., ServiceSettings]) -> None:
    from frontdoor_common.bus.broker import LocalBroker

    broker = LocalBroker().start()
    spec = ServiceSpec(
        name="libtest", title="t", description="d", routers=[], migrations="frontdoor_routing:migrations"
    )
    app = build_app(
        make_settings(
            ServiceSettings, service_name="routing", kafka_bootstrap_servers=broker.bootstrap, run_consumers=False
        ),
        spec,
    )
    try:
        async with running_app(app) as client:
            assert (await client.get("/readyz")).status_code == 200
            broker.stop()
            r = await client.get("/readyz")
            assert r.status_code == 503
            assert r.json()["checks"]["broker"].startswith("down")
            assert (await client.get("/healthz")).status_code == 200
    finally:
        broker.stop()


async def test_readiness_says_no_when_a_background_worker_has_died(app: FastAPI) -> None:
    from frontdoor_common.workers import TaskWorker

    class Scheduler(TaskWorker):
        name = "scheduler"

        async def run(self) -> None:
            return  # the loop ends at once (as if it crashed)

    async with running_app(app) as client:
        worker = Scheduler()
        app.state.runtime.parts.workers.append(worker)
        assert (await client.get("/readyz")).json()["checks"]["workers"] == {"scheduler": "running"}
        await worker.start()
        await eventually(lambda: not worker.running)
        r = await client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["checks"]["workers"] == {"scheduler": "stopped"}
