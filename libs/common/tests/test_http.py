"""The HTTP edge every service shares: body limit, declared error statuses, unexpected errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import httpx
import jsonschema
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from frontdoor_common.auth import Principal, mint_token, require
from frontdoor_common.bus.tables import outbox
from frontdoor_common.errors import NotFound, Problem
from frontdoor_common.service import RuntimeDep, ServiceSpec, SessionDep, build_app
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing import auth, running_app, serve_app
from frontdoor_common.testing.ledger import Deposit

TENANT = "11111111-1111-4111-8111-111111111111"
LIMIT = 4096


class DepositIn(BaseModel):
    account: str = Field(min_length=1)
    amount: int = Field(gt=0)
    note: str = ""


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
        return {"event_id": env.id}

    @router.get("/v1/deposits/{deposit_id}")
    async def get_deposit(deposit_id: str, _p: Annotated[Principal, require("routing:read")]) -> dict[str, str]:
        raise NotFound("No such deposit.", error_id="deposit_not_found")

    @router.post("/v1/boom")
    async def boom(session: SessionDep) -> dict[str, str]:
        raise RuntimeError("a bug")

    @router.get("/v1/whoami")
    async def whoami(request: Request) -> dict[str, Any]:
        assert request.client is not None
        return {"port": request.client.port}

    return router


@pytest.fixture
def app(make_settings: Callable[..., ServiceSettings]) -> FastAPI:
    spec = ServiceSpec(
        name="libtest", title="t", description="d", routers=[_router()], migrations="frontdoor_routing:migrations"
    )
    settings = make_settings(ServiceSettings, service_name="routing", run_consumers=False, max_body_bytes=LIMIT)
    return build_app(settings, spec)


async def _count_outbox(app: FastAPI) -> int:
    async with app.state.runtime.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(outbox)) or 0)


def _assert_too_large(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["error_id"] == "body_too_large"
    assert body["max_bytes"] == LIMIT
    Problem.model_validate(body)


# -- 1. request body limit ------------------------------------------------------------------


async def test_a_body_over_the_limit_is_refused_with_413_whether_announced_or_chunked(app: FastAPI) -> None:
    headers = auth(mint_token(tenant_id=TENANT, scopes="all"))
    big = {"account": "a", "amount": 1, "note": "x" * LIMIT}
    async with serve_app(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        ok = await client.post("/v1/deposits", json={"account": "a", "amount": 1, "note": "x" * 100}, headers=headers)
        assert ok.status_code == 201, ok.text

        _assert_too_large(await client.post("/v1/deposits", json=big, headers=headers))

        async def chunks() -> AsyncIterator[bytes]:
            data = json.dumps(big).encode()
            for i in range(0, len(data), 1000):
                yield data[i : i + 1000]

        chunked = await client.post(
            "/v1/deposits", content=chunks(), headers={**headers, "content-type": "application/json"}
        )
        assert "content-length" not in chunked.request.headers  # it really went chunked
        _assert_too_large(chunked)
        # the connection is still good, and nothing of the refused requests was written
        again = await client.post("/v1/deposits", json={"account": "b", "amount": 2}, headers=headers)
        assert again.status_code == 201
        assert await _count_outbox(app) == 2


async def test_the_app_stops_reading_a_streamed_body_at_the_limit(app: FastAPI) -> None:
    token = mint_token(tenant_id=TENANT, scopes="all")
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": reads < 10_000}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/deposits",
        "raw_path": b"/v1/deposits",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 80),
    }
    async with running_app(app):
        await app(scope, receive, send)
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error_id"] == "body_too_large"
    assert reads == LIMIT // 1000 + 1  # not one chunk more than it took to pass the limit


async def test_the_body_limit_is_a_setting_with_a_prefixed_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from frontdoor_members.settings import Settings

    assert Settings().max_body_bytes == 1024 * 1024
    monkeypatch.setenv("MEMBERS_MAX_BODY_BYTES", "2048")
    assert Settings().max_body_bytes == 2048


# -- 2. the OpenAPI document declares every status ------------------------------------------


def _problem_schema(doc: dict[str, Any]) -> dict[str, Any]:
    """The Problem schema with the document's components, for jsonschema."""
    return {"$ref": "#/components/schemas/Problem", "components": doc["components"]}


async def test_every_operation_declares_its_error_statuses_as_problem_json(app: FastAPI) -> None:
    doc = app.openapi()
    ops = doc["paths"]
    full = {"400", "401", "403", "404", "409", "422", "503"}
    assert set(ops["/v1/deposits"]["post"]["responses"]) == {"201", "413", *full}
    assert set(ops["/v1/deposits/{deposit_id}"]["get"]["responses"]) == {"200", *full}
    assert set(ops["/healthz"]["get"]["responses"]) == {"200"}
    assert set(ops["/readyz"]["get"]["responses"]) == {"200", "503"}
    assert list(ops["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]
    for path, operations in ops.items():
        for method, op in operations.items():
            for code, response in op["responses"].items():
                if int(code) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, code)
                    assert response["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
    assert "HTTPValidationError" not in doc["components"]["schemas"]


async def test_the_answers_match_the_declared_problem_schema(app: FastAPI) -> None:
    schema = _problem_schema(app.openapi())
    token = mint_token(tenant_id=TENANT, scopes="all")
    async with running_app(app) as client:
        answers = [
            await client.post("/v1/deposits", json={"account": "", "amount": -1}, headers=auth(token)),
            await client.post(
                "/v1/deposits", content=b"{nope", headers={**auth(token), "content-type": "application/json"}
            ),
            await client.post("/v1/deposits", json={"account": "a", "amount": 1}),
            await client.get("/v1/deposits/x", headers=auth(mint_token(tenant_id=TENANT, scopes="members:read"))),
            await client.get("/v1/deposits/x", headers=auth(token)),
            await client.post("/v1/deposits", json={"account": "a", "note": "x" * LIMIT}, headers=auth(token)),
        ]
        assert [a.status_code for a in answers] == [422, 422, 401, 403, 404, 413]
        for a in answers:
            assert a.headers["content-type"] == "application/problem+json"
            jsonschema.validate(a.json(), schema)
        assert answers[0].json()["field"] == "account"
        assert {e["field"] for e in answers[0].json()["errors"]} == {"account", "amount"}


@pytest.mark.parametrize("service", ["routing", "members", "agents", "callbacks", "surveys"])
def test_every_service_declares_its_error_statuses(service: str) -> None:
    import importlib

    module = importlib.import_module(f"frontdoor_{service}.app")
    doc = module.create_app().openapi()
    authenticated = 0
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            if op.get("security") or op.get("parameters") or "requestBody" in op:
                authenticated += 1
                assert {"400", "401", "403", "404", "409", "422", "503"} <= codes, (method, path)
                if "requestBody" in op:
                    assert "413" in codes, (method, path)
    assert authenticated >= 3


# -- 3. an unexpected error keeps the connection ---------------------------------------------


async def test_an_unexpected_error_answers_500_problem_json_and_the_connection_stays_usable(app: FastAPI) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with serve_app(app) as base, httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        before = (await client.get("/v1/whoami")).json()["port"]
        for _ in range(3):
            r = await client.post("/v1/boom")
            assert r.status_code == 500
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["error_id"] == "internal_error"
            assert "a bug" not in r.text
            assert r.headers.get("connection", "keep-alive") != "close"
        after = await client.get("/v1/whoami")
        assert after.status_code == 200
        assert after.json()["port"] == before  # the same TCP connection served them all
        metrics = (await client.get("/metrics")).text
        assert 'route="/v1/boom",service="libtest",status="500"} 3.0' in metrics
