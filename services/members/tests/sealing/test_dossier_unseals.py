"""Routing seals a call's caller number (issue 17): the dossier consumer opens it with the unsealer
to write "Call from <number>"; an erased number (routing's key shredded: 410) writes no number and
no sealed string; routing out of reach fails the event (the consumer retries it), writing nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_common.events.routing import CallCompleted
from frontdoor_common.privacy.seal import PREFIX, Unsealer, UnsealUnavailable
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.settings import Settings
from frontdoor_members.testing import TENANT, call_snapshot, context_of, create_member, deliver, headers

NUMBER = "+4748123456"


class FakeRouting:
    """Routing's seal keys as its seal-keys endpoint answers them: 200 with the key, 410 shredded."""

    def __init__(self) -> None:
        self.keys: dict[str, str | None] = {}
        self.asked: list[tuple[str, str]] = []

    def seal(self, value: str) -> tuple[str, str]:
        kid, key = uuid.uuid4().hex, Fernet.generate_key().decode()
        self.keys[kid] = key
        return kid, f"{PREFIX}routing:{kid}:{Fernet(key.encode()).encrypt(value.encode()).decode()}"

    async def answer(self, request: httpx.Request) -> httpx.Response:
        self.asked.append((request.url.path, request.headers.get("authorization", "")))
        kid = request.url.path.rsplit("/", 1)[-1]
        if kid not in self.keys:
            return httpx.Response(404, json={"error_id": "seal_key_not_found"})
        key = self.keys[kid]
        if key is None:
            return httpx.Response(410, json={"error_id": "seal_key_shredded"})
        return httpx.Response(200, json={"kid": kid, "key": key})


@asynccontextmanager
async def _members(
    make_settings: Callable[..., Any], routing: FakeRouting | None
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    settings: Settings = make_settings(Settings, kafka_bootstrap_servers=None)
    app = create_app(settings)
    async with running_app(app) as client:
        runtime = app.state.runtime
        if routing is not None:  # the notifier's unsealer swapped for one that reaches the fake routing
            context_of(app).notifier.unsealer = Unsealer(
                runtime.sealer,
                {"routing": "http://routing.test"},
                lambda tenant: f"token-for-{tenant}",
                client=httpx.AsyncClient(transport=httpx.MockTransport(routing.answer)),
            )
        yield client, app


async def _call_entries(client: httpx.AsyncClient, member_id: str) -> list[dict[str, Any]]:
    r = await client.get(f"/v1/members/{member_id}/log", headers=headers())
    assert r.status_code == 200, r.text
    return [e for e in r.json()["entries"] if e["kind"] == "call"]


async def test_a_sealed_caller_number_is_opened_for_the_dossier(make_settings: Callable[..., Any]) -> None:
    routing = FakeRouting()
    async with _members(make_settings, routing) as (client, app):
        member = await create_member(client)
        _kid, sealed = routing.seal(NUMBER)
        await deliver(app, CallCompleted(call=call_snapshot(member["id"], caller_number=sealed)))
        [entry] = await _call_entries(client, member["id"])
        assert entry["summary"].startswith(f"Call from {NUMBER}, talk 240 s")
        assert PREFIX not in entry["summary"]
        [(path, authorization)] = routing.asked
        assert path.endswith(f"/seal-keys/{_kid}") and authorization == f"Bearer token-for-{TENANT}"


async def test_an_erased_caller_number_writes_the_entry_without_a_number(make_settings: Callable[..., Any]) -> None:
    routing = FakeRouting()
    async with _members(make_settings, routing) as (client, app):
        member = await create_member(client)
        kid, sealed = routing.seal(NUMBER)
        routing.keys[kid] = None  # routing erased the caller
        await deliver(app, CallCompleted(call=call_snapshot(member["id"], caller_number=sealed)))
        [entry] = await _call_entries(client, member["id"])
        assert entry["summary"] == "Call, talk 240 s"
        assert "sealed" not in entry["summary"] and NUMBER not in entry["summary"]


async def test_an_old_unsealed_number_is_written_as_it_was(make_settings: Callable[..., Any]) -> None:
    routing = FakeRouting()
    async with _members(make_settings, routing) as (client, app):
        member = await create_member(client)
        await deliver(app, CallCompleted(call=call_snapshot(member["id"], caller_number=NUMBER)))
        [entry] = await _call_entries(client, member["id"])
        assert entry["summary"].startswith(f"Call from {NUMBER}")
        assert routing.asked == []  # nothing to open


async def test_routing_out_of_reach_fails_the_event_and_writes_nothing(
    make_settings: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FRONTDOOR_ROUTING_URL", raising=False)  # the runtime's unsealer has no address for it
    async with _members(make_settings, None) as (client, app):
        member = await create_member(client)
        _kid, sealed = FakeRouting().seal(NUMBER)
        event = CallCompleted(call=call_snapshot(member["id"], caller_number=sealed))
        with pytest.raises(UnsealUnavailable):
            await deliver(app, event)
        async with app.state.runtime.db.transaction() as s:
            written = await s.scalar(select(func.count()).select_from(DossierEntry).where(DossierEntry.kind == "call"))
        assert written == 0  # rolled back with the event: the consumer's retry writes it once routing answers
