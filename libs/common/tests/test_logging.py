"""Logs are JSON only and carry no personal data: no phone number from a query string or SQL."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI, Query
from sqlalchemy import text

from frontdoor_common.bus.broker import free_port
from frontdoor_common.logging import configure_logging
from frontdoor_common.service import ServiceSpec, SessionDep, build_app
from frontdoor_common.settings import ServiceSettings

PHONE = "+4790595313"
DIGITS = "90595313"


def _router(peer: dict[str, str]) -> APIRouter:
    router = APIRouter()

    @router.get("/v1/members/lookup")
    async def lookup(phone: str = Query()) -> dict[str, Any]:
        # as routing does: ask another service, the number in the query
        async with httpx.AsyncClient() as client:
            r = await client.get(f"{peer['base']}/v1/echo", params={"phone": phone})
        return {"found": r.status_code == 200}

    @router.get("/v1/echo")
    async def echo(phone: str = Query()) -> dict[str, bool]:
        return {"ok": bool(phone)}

    @router.get("/v1/sql-fails")
    async def sql_fails(session: SessionDep, phone: str = Query()) -> dict[str, str]:
        await session.execute(text("SELECT * FROM no_such_table WHERE phone = :phone"), {"phone": phone})
        return {}

    return router


@pytest.fixture
def app_and_peer(make_settings: Callable[..., ServiceSettings]) -> tuple[FastAPI, dict[str, str]]:
    peer: dict[str, str] = {}
    spec = ServiceSpec(
        name="libtest", title="t", description="d", routers=[_router(peer)], migrations="frontdoor_routing:migrations"
    )
    settings = make_settings(
        ServiceSettings, service_name="routing", run_consumers=False, log_level="INFO", access_log=True
    )
    return build_app(settings, spec), peer


async def test_a_phone_number_in_a_query_never_reaches_the_logs(
    app_and_peer: tuple[FastAPI, dict[str, str]], capfd: pytest.CaptureFixture[str]
) -> None:
    app, peer = app_and_peer
    configure_logging(level="INFO", json=True, service="libtest")
    port = free_port()
    peer["base"] = f"http://127.0.0.1:{port}"
    # uvicorn as `serve` runs it, but with its access log on: the worst case
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="info", log_config=None, access_log=True, loop="asyncio"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done()
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=peer["base"], timeout=10) as client:
            r = await client.get("/v1/members/lookup", params={"phone": PHONE})
            assert r.status_code == 200, r.text
            r = await client.get("/v1/sql-fails", params={"phone": PHONE})
            assert r.status_code == 500
        logging.getLogger("somelib").info("a stdlib line", extra={"answer": 42})
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
    out, err = capfd.readouterr()
    logged = out + err
    assert DIGITS not in logged
    assert "%2B47" not in logged
    lines = [json.loads(line) for line in logged.splitlines() if line.strip()]  # every line is JSON
    access = [x for x in lines if x.get("event") == "request"]
    assert {(x["route"], x["status"]) for x in access} >= {
        ("/v1/members/lookup", 200),
        ("/v1/echo", 200),
        ("/v1/sql-fails", 500),
    }
    assert any(x.get("event") == "a stdlib line" and x.get("logger") == "somelib" for x in lines)
    failure = next(x for x in lines if x.get("event") == "unhandled error")
    assert "no_such_table" in failure["exception"]  # the SQL error is there, its parameters are not
    uvicorn_access = [x for x in lines if x.get("logger") == "uvicorn.access"]
    assert all("?" not in x["event"] for x in uvicorn_access)


def test_a_validation_error_is_logged_without_the_values_it_quotes() -> None:
    from pydantic import BaseModel, ValidationError

    from frontdoor_common.logging import safe_error

    class Phone(BaseModel):
        number: int

    with pytest.raises(ValidationError) as caught:
        Phone.model_validate({"number": PHONE + "x"})
    assert DIGITS in str(caught.value)  # pydantic quotes the input ...
    said = safe_error(caught.value)
    assert DIGITS not in said  # ... the log field does not
    assert "number" in said
