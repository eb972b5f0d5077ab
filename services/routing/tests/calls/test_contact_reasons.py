"""One reason vocabulary: the members service's, mirrored; a miss is checked with members before a 422."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from frontdoor_common.events.members import TenantReasonsChanged
from frontdoor_common.testing import eventually, serve_app
from frontdoor_routing.settings import Settings

TENANT = "7e3a1c52-0000-4000-8000-000000000001"


async def test_reasons_are_the_tenants_codes_and_a_moment_behind_mirror_never_refuses_a_person(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any]
) -> None:
    members = FastAPI()
    said: dict[str, Any] = {"reasons": ["dues_invoice", "other"], "delay": 0.0, "asked": 0}

    @members.get("/v1/tenant/settings")
    async def tenant_settings() -> dict[str, Any]:
        said["asked"] += 1
        await asyncio.sleep(float(said["delay"]))
        return {"country": "NO", "reasons": said["reasons"]}

    async with serve_app(members) as members_url:
        settings = make_settings(Settings, members_url=members_url, known_agent_preference_seconds=0)
        async with make_platform(settings) as p:
            q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1", wrapup_seconds=0))["id"])
            agent = await p.staff({q: 3})

            async def complete(reason: str) -> Any:
                call = (await p.call(cti_call_id=str(uuid.uuid4()), ivr_digit="1")).json()["call"]["call_id"]
                await p.http.post(f"/v1/calls/{call}/answer", json={"agent_id": str(agent)})
                r = await p.http.post(f"/v1/calls/{call}/complete", json={"contact_reason": reason})
                if r.status_code != 200:  # free the agent for the next call
                    await p.http.post(f"/v1/calls/{call}/complete", json={})
                return r

            # before any event: the shared defaults, without asking members
            r = await complete("dues_invoice")
            assert r.status_code == 200 and r.json()["call"]["contact_reason"] == "dues_invoice"
            assert said["asked"] == 0
            # an old free-text reason becomes its code
            assert (await complete("invoice")).json()["call"]["contact_reason"] == "dues_invoice"
            # the mirror follows members' events
            at = datetime.now(UTC)
            await p.publish(TenantReasonsChanged(tenant_id=TENANT, reasons=["wages", "other"], at=at), source="members")
            await eventually(lambda: p.tenant().reasons == ("wages", "other"))
            assert (await complete("wages")).status_code == 200
            # unknown to the mirror and to members: refused, naming the field
            said["reasons"] = ["wages", "other"]
            r = await complete("invoice-ish")
            assert r.status_code == 422 and r.json()["field"] == "contact_reason", r.text
            # members already knows a code the mirror has not heard of yet: accepted
            said["reasons"] = ["wages", "other", "pensions"]
            asked = said["asked"]
            assert (await complete("pensions")).status_code == 200
            assert said["asked"] == asked + 1
            # members too slow to say: accepted as given
            said["delay"] = 2.0
            r = await complete("brand_new")
            assert r.status_code == 200 and r.json()["call"]["contact_reason"] == "brand_new"
