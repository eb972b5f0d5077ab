"""An agent's token acts only on what is that agent's: their offers, their call, their stream.

On the real broker and database: agents' tokens are minted as the console mints them (the
agent id as subject, `routing:agent` without `routing:write`); a CTI integration's token
(`routing:write`) acts on any call of the tenant, as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from frontdoor_common.testing import auth, eventually
from frontdoor_routing.settings import Settings

from ..conftest import TENANT, Desk

DESK_SCOPES = ["routing:agent", "routing:read"]


def desk_client(p: Any, token_for: Callable[..., str], agent_id: uuid.UUID, **claims: Any) -> httpx.AsyncClient:
    """An agent's desk as the console drives it: their own token, no `routing:write`."""
    token = token_for(TENANT, DESK_SCOPES, subject=str(agent_id), extra=claims or None)
    return httpx.AsyncClient(base_url=p.base, headers=auth(token), timeout=60)


async def test_only_the_agent_an_offer_was_made_to_may_accept_or_reject_it(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1", offer_timeout_seconds=300))["id"])
        ada = await p.staff({q: 3})
        bo = await p.staff({q: 3}, presence="away")
        view = (await p.call(cti_call_id="c1", ivr_digit="1")).json()
        call_id, offer_id = view["call"]["call_id"], view["offer_id"]
        assert view["outcome"] == "offered" and view["call"]["agent_id"] == str(ada)
        async with desk_client(p, token_for, ada) as ada_desk, desk_client(p, token_for, bo) as bo_desk:
            for action in ("accept", "reject"):
                refused = await bo_desk.post(f"/v1/offers/{offer_id}/{action}")
                assert refused.status_code == 403, refused.text
                assert refused.json()["error_id"] == "not_your_offer"
            # bo's refusals changed nothing: the offer is still ada's, open, with the same id
            still = (await p.http.get(f"/v1/calls/{call_id}")).json()
            assert (still["outcome"], still["offer_id"], still["call"]["agent_id"]) == ("offered", offer_id, str(ada))
            # a token naming no agent is refused as such
            anonymous = token_for(TENANT, DESK_SCOPES, subject="desk-without-agent")
            r = await p.http.post(f"/v1/offers/{offer_id}/accept", headers=auth(anonymous))
            assert r.status_code == 403 and r.json()["error_id"] == "token_names_no_agent"
            # ada may
            accepted = await ada_desk.post(f"/v1/offers/{offer_id}/accept")
            assert accepted.status_code == 200 and accepted.json()["outcome"] == "answered"


async def test_an_identity_providers_agent_claim_names_the_agent_and_an_integration_acts_for_anyone(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1", offer_timeout_seconds=300))["id"])
        ada = await p.staff({q: 3})
        first = (await p.call(cti_call_id="c1", ivr_digit="1")).json()
        # an OIDC access token: the subject is the provider's user, the claim names the agent
        provider_user = str(uuid.uuid4())
        token = token_for(TENANT, DESK_SCOPES, subject=provider_user, extra={"frontdoor_agent_id": str(ada)})
        async with httpx.AsyncClient(base_url=p.base, headers=auth(token)) as oidc_desk:
            rejected = await oidc_desk.post(f"/v1/offers/{first['offer_id']}/reject")
            assert rejected.status_code == 200 and rejected.json()["outcome"] == "queued"
        # the CTI integration's token (routing:write) accepts an offer to whoever holds it
        bo = await p.staff({q: 3})
        offered = (await p.http.get(f"/v1/calls/{first['call']['call_id']}")).json()
        assert offered["call"]["agent_id"] == str(bo)
        cti = token_for(TENANT, ["routing:write", "routing:read"], subject="cti")
        r = await p.http.post(f"/v1/offers/{offered['offer_id']}/accept", headers=auth(cti))
        assert r.status_code == 200 and r.json()["call"]["agent_id"] == str(bo)


async def test_an_agent_completes_and_transfers_only_the_call_they_hold(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        one = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1", wrapup_seconds=0))["id"])
        two = uuid.UUID((await p.queue(name="Members", ivr_digit="2", wrapup_seconds=0))["id"])
        ada = await p.staff({one: 3})
        bo = await p.staff({one: 3})
        first = (await p.call(cti_call_id="c1", ivr_digit="1")).json()
        second = (await p.call(cti_call_id="c2", ivr_digit="1")).json()
        mine = {first["call"]["agent_id"]: first, second["call"]["agent_id"]: second}
        ada_call, bo_call = mine[str(ada)], mine[str(bo)]
        async with desk_client(p, token_for, ada) as ada_desk, desk_client(p, token_for, bo) as bo_desk:
            assert (await ada_desk.post(f"/v1/offers/{ada_call['offer_id']}/accept")).status_code == 200
            assert (await bo_desk.post(f"/v1/offers/{bo_call['offer_id']}/accept")).status_code == 200
            ada_id = ada_call["call"]["call_id"]
            for url, body in (
                (f"/v1/calls/{ada_id}/complete", {"resolution": "resolved"}),
                (f"/v1/calls/{ada_id}/transfer", {"queue_id": str(two)}),
                (f"/v1/calls/{ada_id}/transfer", {"number": "+4722000000"}),
            ):
                r = await bo_desk.post(url, json=body)
                assert r.status_code == 403 and r.json()["error_id"] == "not_your_call", (url, r.text)
            assert (await p.http.get(f"/v1/calls/{ada_id}")).json()["call"]["state"] == "answered"
            # the holder transfers and completes with routing:agent alone
            moved = await ada_desk.post(f"/v1/calls/{ada_id}/transfer", json={"queue_id": str(two)})
            assert moved.status_code == 200 and moved.json()["call"]["queue_id"] == str(two)
            bo_id = bo_call["call"]["call_id"]
            done = await bo_desk.post(f"/v1/calls/{bo_id}/complete", json={"resolution": "resolved"})
            assert done.status_code == 200 and done.json()["call"]["state"] == "completed"
            # ...once: another agent's repeat is still refused, the holder's is idempotent
            assert (await ada_desk.post(f"/v1/calls/{bo_id}/complete")).status_code == 403
            assert (await bo_desk.post(f"/v1/calls/{bo_id}/complete")).status_code == 200
            # a token with neither scope is refused before anything is read
            reader = token_for(TENANT, ["routing:read"], subject=str(ada))
            r = await p.http.post(f"/v1/calls/{bo_id}/complete", headers=auth(reader))
            assert r.status_code == 403 and r.json()["error_id"] == "scope_missing"


async def test_an_agent_reads_only_their_own_offer_stream(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        ada = await p.staff({q: 3})
        bo = await p.staff({q: 3})
        bo_token = token_for(TENANT, DESK_SCOPES, subject=str(bo))
        async with httpx.AsyncClient(base_url=p.base, headers=auth(bo_token)) as bo_desk:
            r = await bo_desk.get(f"/v1/agents/{ada}/offers")
            assert r.status_code == 403 and r.json()["error_id"] == "not_your_stream"
        desk = await Desk(p.base, bo_token, bo).start()
        try:
            view = (await p.call(cti_call_id="c1", ivr_digit="1")).json()
            if view["call"]["agent_id"] != str(bo):
                view = (await p.call(cti_call_id="c2", ivr_digit="1")).json()
            assert view["call"]["agent_id"] == str(bo)
            await eventually(lambda: any(o["offer_id"] == view["offer_id"] for o in desk.offers()))
        finally:
            await desk.stop()
