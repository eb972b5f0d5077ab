"""A call transferred to a named colleague: offered to them only, else back in its queue at its place.

On the real broker and database, with agents' own tokens (`routing:agent`, the agent id as
subject) as the console sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from frontdoor_common.testing import auth, eventually, read_envelopes
from frontdoor_routing.settings import Settings

from ..conftest import OTHER_TENANT, TENANT, Desk


def desk_of(p: Any, token_for: Callable[..., str], agent_id: uuid.UUID) -> httpx.AsyncClient:
    """An agent's desk: their own token, without `routing:write`."""
    token = token_for(TENANT, ["routing:agent", "routing:read"], subject=str(agent_id))
    return httpx.AsyncClient(base_url=p.base, headers=auth(token), timeout=60)


async def answered_by(p: Any, token_for: Callable[..., str], agent: uuid.UUID, cti: str, digit: str) -> str:
    """A new call, offered to `agent` and accepted at their desk; returns its id."""
    view = (await p.call(cti_call_id=cti, ivr_digit=digit)).json()
    assert view["outcome"] == "offered" and view["call"]["agent_id"] == str(agent), view
    async with desk_of(p, token_for, agent) as desk:
        r = await desk.post(f"/v1/offers/{view['offer_id']}/accept")
        assert r.status_code == 200, r.text
    return str(view["call"]["call_id"])


async def test_a_call_transferred_to_a_colleague_is_offered_to_them_alone_and_a_no_puts_it_back_at_its_place(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        # Long wrap-up: the transferring agent takes nothing else while the test looks.
        q = uuid.UUID(
            (await p.queue(name="Invoices", ivr_digit="1", wrapup_seconds=600, offer_timeout_seconds=300))["id"]
        )
        other = uuid.UUID((await p.queue(name="Pensions", ivr_digit="2"))["id"])
        ada = await p.staff({q: 3})
        moved = await answered_by(p, token_for, ada, "c1", "1")
        later = [(await p.call(cti_call_id=f"w{i}", ivr_digit="1")).json()["call"]["call_id"] for i in range(2)]
        cy = await p.staff({other: 3})  # a colleague outside the queue
        cy_stream = await Desk(p.base, token_for(TENANT, ["routing:agent"], subject=str(cy)), cy).start()
        try:
            async with desk_of(p, token_for, ada) as ada_desk, desk_of(p, token_for, cy) as cy_desk:
                r = await ada_desk.post(f"/v1/calls/{moved}/transfer", json={"agent_id": str(cy)})
                assert r.status_code == 200, r.text
                view = r.json()
                assert (view["outcome"], view["call"]["agent_id"], view["call"]["queue_id"]) == (
                    "offered",
                    str(cy),
                    str(q),
                )
                await eventually(lambda: any(o["offer_id"] == view["offer_id"] for o in cy_stream.offers()))
                # the offer is cy's: ada (who transferred it) cannot take it back
                assert (await ada_desk.post(f"/v1/offers/{view['offer_id']}/accept")).status_code == 403
                # cy says no: the call waits in its queue, ahead of the calls that came after it
                rejected = await cy_desk.post(f"/v1/offers/{view['offer_id']}/reject")
                assert rejected.status_code == 200, rejected.text
                back = rejected.json()
                assert (back["outcome"], back["call"]["queue_id"], back["position"]) == ("queued", str(q), 1)
                assert [(await p.http.get(f"/v1/calls/{c}")).json()["position"] for c in later] == [2, 3]
            # a member who frees up takes it first: it stands first in the queue
            bo = await p.staff({q: 3, other: 3})
            await eventually(lambda: p.tenant().router.agent_status(bo) == "offered")

            async def offered_to_bo() -> bool:  # the row follows the core once the change commits
                return bool((await p.http.get(f"/v1/calls/{moved}")).json()["call"]["agent_id"] == str(bo))

            await eventually(offered_to_bo)
        finally:
            await cy_stream.stop()

        events = await read_envelopes(
            str(settings.kafka_bootstrap_servers), settings.topic("frontdoor.routing.v1"), want=14, timeout=15
        )
        steps = [(e.type, e.data.get("agent_id")) for e in events if e.subject == moved]
        assert steps == [
            ("routing.call.arrived", None),
            ("routing.call.queued", None),
            ("routing.call.offered", str(ada)),
            ("routing.call.answered", None),
            ("routing.call.transferred", None),
            ("routing.call.queued", None),
            ("routing.call.offered", str(cy)),
            ("routing.offer.withdrawn", str(cy)),
            ("routing.call.offered", str(bo)),
        ]
        transferred = next(e for e in events if e.subject == moved and e.type == "routing.call.transferred")
        assert transferred.data["from_agent_id"] == str(ada) and transferred.data["to_queue_id"] == str(q)
        assert (transferred.data["to_agent_id"], transferred.data["to_number"]) == (str(cy), None)
        withdrawn = next(e for e in events if e.subject == moved and e.type == "routing.offer.withdrawn")
        assert withdrawn.data["reason"] == "rejected"


async def test_a_colleague_who_accepts_is_connected_and_one_who_cannot_take_it_leaves_it_to_the_named_queue(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1", wrapup_seconds=600))["id"])
        fallback = uuid.UUID((await p.queue(name="Pensions", ivr_digit="2"))["id"])
        ada = await p.staff({q: 3})
        first = await answered_by(p, token_for, ada, "c1", "1")
        cy = await p.staff({})
        async with desk_of(p, token_for, ada) as ada_desk, desk_of(p, token_for, cy) as cy_desk:
            offered = (await ada_desk.post(f"/v1/calls/{first}/transfer", json={"agent_id": str(cy)})).json()
            taken = await cy_desk.post(f"/v1/offers/{offered['offer_id']}/accept")
            assert taken.status_code == 200
            assert (taken.json()["outcome"], taken.json()["call"]["agent_id"]) == ("answered", str(cy))
            assert taken.json()["call"]["transfers"] == 1
            # cy, on the phone now, cannot take another: the next transfer to cy waits in the named queue
            di = await p.staff({q: 3, fallback: 3}, presence="away")
            second_view = (await p.call(cti_call_id="c2", ivr_digit="1")).json()
            assert second_view["outcome"] == "queued"
            await p.agent(di, {q: 3, fallback: 3})
            await eventually(lambda: p.tenant().router.agent_status(di) == "offered")
            second = second_view["call"]["call_id"]
            async with desk_of(p, token_for, di) as di_desk:
                view = (await p.http.get(f"/v1/calls/{second}")).json()
                assert (await di_desk.post(f"/v1/offers/{view['offer_id']}/accept")).status_code == 200
                r = await di_desk.post(
                    f"/v1/calls/{second}/transfer", json={"agent_id": str(cy), "queue_id": str(fallback)}
                )
            assert r.status_code == 200, r.text
            assert (r.json()["outcome"], r.json()["call"]["queue_id"]) == ("queued", str(fallback))
            assert r.json()["call"]["agent_id"] is None


async def test_transfers_to_an_unknown_agent_another_tenants_or_oneself_are_refused_and_change_nothing(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        ada = await p.staff({q: 3})
        call = await answered_by(p, token_for, ada, "c1", "1")
        stranger = uuid.uuid4()  # another tenant's agent, known to routing there
        await p.agent(stranger, {}, tenant=OTHER_TENANT)
        await eventually(lambda: p.tenant(OTHER_TENANT) is not None and stranger in p.tenant(OTHER_TENANT).agents)
        before = (await p.http.get(f"/v1/calls/{call}")).json()
        async with desk_of(p, token_for, ada) as ada_desk:
            for agent_id, status, error_id in (
                (uuid.uuid4(), 404, "agent_not_found"),
                (stranger, 404, "agent_not_found"),
                (ada, 422, "transfer_to_self"),
            ):
                r = await ada_desk.post(f"/v1/calls/{call}/transfer", json={"agent_id": str(agent_id)})
                assert (r.status_code, r.json()["error_id"], r.json()["field"]) == (status, error_id, "agent_id")
            r = await ada_desk.post(f"/v1/calls/{call}/transfer", json={"agent_id": str(ada), "number": "+4722000000"})
            assert r.status_code == 422
        assert (await p.http.get(f"/v1/calls/{call}")).json() == before
        assert p.tenant().router.agent_status(ada) == "busy"


async def test_a_call_transferred_out_records_the_number_and_who_transferred_it(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Insurance", ivr_digit="1"))["id"])
        ada = await p.staff({q: 3})
        moved = await answered_by(p, token_for, ada, "out1", "1")
        async with desk_of(p, token_for, ada) as ada_desk:
            # a reason goes with a transfer out only (a call that moves on is completed later)
            r = await ada_desk.post(f"/v1/calls/{moved}/transfer", json={"queue_id": str(q), "contact_reason": "x"})
            assert r.status_code == 422, r.text
            r = await ada_desk.post(f"/v1/calls/{moved}/transfer", json={"number": "22 99 88 77"})
            assert r.status_code == 200, r.text
        view = (await p.http.get(f"/v1/calls/{moved}")).json()["call"]
        # stored as E.164 in the tenant's country, as caller numbers are
        assert (view["transferred_to_number"], view["resolution"], view["transfers"]) == (
            "+4722998877",
            "transferred",
            0,
        )
        events = await read_envelopes(
            str(settings.kafka_bootstrap_servers), settings.topic("frontdoor.routing.v1"), want=6, timeout=15
        )
        transferred = next(e for e in events if e.subject == moved and e.type == "routing.call.transferred")
        assert (transferred.data["from_agent_id"], transferred.data["to_number"]) == (str(ada), "+4722998877")
        assert transferred.data["call"]["transferred_to_number"] == "+4722998877"
