"""`make demo` (`python -m frontdoor_devtools.demo`): the platform started as by `make run`,
then driven over its public REST API.

A simulated CTI posts calls (some from demo members, who are recognised), simulated agent
desktops follow their offer streams and accept, talk, transfer now and then, and complete;
impatient callers hang up or leave a callback; a simulated SMS gateway answers the surveys.
Every few seconds the demo prints what the union would see: KPIs and the satisfaction index.
It only uses the REST contract, like any integrator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from frontdoor_common.launcher import SERVICES, Platform

DIGITS = ["1", "1", "1", "2", "2", "3", "3"]
KNOWN_NUMBERS = ["+4741234567", "+4793456781", "+4745678912", "+4797865432", "+4722334455"]


class Demo:
    """The simulated CTI, agents and SMS gateway."""

    def __init__(self, var: Path, token: str, ports: dict[str, int], rng: random.Random) -> None:
        self.var, self.rng = var, rng
        headers = {"Authorization": f"Bearer {token}"}
        self.c = {
            n: httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", headers=headers, timeout=30)
            for n, p in ports.items()
        }
        self.stats = {"calls": 0, "abandoned": 0, "callbacks": 0, "transfers": 0, "sms_replies": 0}
        self.tasks: list[asyncio.Task[Any]] = []

    async def close(self) -> None:
        for t in self.tasks:
            t.cancel()
        for c in self.c.values():
            await c.aclose()

    async def configure(self) -> None:
        """Open around the clock and allow SMS at any hour, so the demo runs whenever you try it."""
        every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        r = await self.c["agents"].put(
            "/v1/settings",
            json={"timezone": "UTC", "opening_hours": [{"days": every_day, "start": "00:00", "end": "23:59:59"}]},
        )
        print(f"demo: opening hours set to all day, every day ({r.status_code})")
        policy = (await self.c["surveys"].get("/v1/survey-policy")).json()
        policy.update({"quiet_start": "00:00", "quiet_end": "00:00", "min_days_between": 0})
        await self.c["surveys"].put("/v1/survey-policy", json={k: v for k, v in policy.items() if k != "questions"})
        for q in (await self.c["routing"].get("/v1/queues")).json():
            await self.c["routing"].patch(f"/v1/queues/{q['id']}", json={"wrapup_seconds": 3})

    async def run(self, seconds: float) -> None:
        """Drive the platform for `seconds` (or until cancelled)."""
        await self.configure()
        agents = (await self.c["agents"].get("/v1/agents")).json()
        for a in agents:
            if a["presence"] != "available":
                await self.c["agents"].put(f"/v1/agents/{a['id']}/presence", json={"presence": "available"})
            self.tasks.append(asyncio.create_task(self.desk(a["id"], a["name"])))
        self.tasks.append(asyncio.create_task(self.sms_gateway()))
        self.tasks.append(asyncio.create_task(self.report_loop()))
        print(f"demo: {len(agents)} agents at their desks; calls start now (Ctrl-C to stop)")
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            self.tasks.append(asyncio.create_task(self.caller()))
            await asyncio.sleep(self.rng.expovariate(1 / 3.0))
        await self.report()

    async def caller(self) -> None:
        number = (
            self.rng.choice(KNOWN_NUMBERS) if self.rng.random() < 0.6 else f"+479{self.rng.randint(0, 9999999):07d}"
        )
        r = await self.c["routing"].post(
            "/v1/calls",
            json={
                "cti_call_id": f"demo-{uuid.uuid4().hex[:10]}",
                "caller_number": number,
                "ivr_digit": self.rng.choice(DIGITS),
            },
        )
        if r.status_code not in (200, 201):
            return
        view = r.json()
        self.stats["calls"] += 1
        call_id = view["call"]["call_id"]
        if view["outcome"] != "queued" and view["outcome"] != "offered":
            return
        await asyncio.sleep(self.rng.uniform(15, 45))  # patience
        now = (await self.c["routing"].get(f"/v1/calls/{call_id}")).json()
        if now["outcome"] != "queued":
            return
        if now.get("callback_offered") or self.rng.random() < 0.3:
            await self.c["callbacks"].post(
                "/v1/callbacks",
                json={
                    "source": "queue",
                    "number": number,
                    "queue_id": now["call"]["queue_id"],
                    "call_id": call_id,
                    "arrived_at": now["call"]["arrived_at"],
                },
            )
            self.stats["callbacks"] += 1
        else:
            await self.c["routing"].post(f"/v1/calls/{call_id}/abandon")
            self.stats["abandoned"] += 1

    async def desk(self, agent_id: str, name: str) -> None:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                async with self.c["routing"].stream("GET", f"/v1/agents/{agent_id}/offers", timeout=None) as r:
                    event = None
                    async for line in r.aiter_lines():
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "offer":
                            self.tasks.append(asyncio.create_task(self.handle(json.loads(line[6:]), name)))
            await asyncio.sleep(1)  # routing does not know the agent yet, or restarted

    async def handle(self, offer: dict[str, Any], name: str) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 2.5))
        r = await self.c["routing"].post(f"/v1/offers/{offer['offer_id']}/accept")
        if r.status_code != 200:
            return
        call_id = offer["call_id"]
        await asyncio.sleep(self.rng.uniform(4, 12))
        if self.rng.random() < 0.12:
            queues = [
                q["id"]
                for q in (await self.c["routing"].get("/v1/queues")).json()
                if q["id"] != offer["queue_id"] and q["ivr_digit"]
            ]
            await self.c["routing"].post(f"/v1/calls/{call_id}/transfer", json={"queue_id": self.rng.choice(queues)})
            self.stats["transfers"] += 1
            return
        resolution = self.rng.choices(["resolved", "callback_agreed", "awaiting_confirmation"], [8, 1, 1])[0]
        # Codes of the demo tenant's list (DEFAULT_REASONS): routing refuses others.
        reason = self.rng.choice(["dues_invoice", "member_data_change", "insurance", "unemployment_benefit"])
        await self.c["routing"].post(
            f"/v1/calls/{call_id}/complete", json={"resolution": resolution, "contact_reason": reason}
        )

    async def sms_gateway(self) -> None:
        path = self.var / "sms-outgoing.jsonl"
        seen = 0
        while True:
            await asyncio.sleep(1)
            if not path.exists():
                continue
            lines = path.read_text().splitlines()
            for line in lines[seen:]:
                msg = json.loads(line)
                number = msg.get("to") or msg.get("number")
                text = str(msg.get("text") or msg.get("body") or "")
                if not number or "/4" not in text:
                    continue  # not one of the four questions (a thank-you or the comment prompt)
                reply = str(self.rng.choices([5, 4, 3, 2], [5, 3, 1, 1])[0])
                await self.c["surveys"].post(
                    "/v1/sms/inbound", json={"from": number, "text": reply, "message_id": f"demo-{uuid.uuid4().hex}"}
                )
                self.stats["sms_replies"] += 1
            seen = len(lines)

    async def report(self) -> None:
        k = (await self.c["routing"].get("/v1/kpis", params={"group_by": "none"})).json()["total"]
        s = (await self.c["surveys"].get("/v1/satisfaction")).json()["total"]
        cb = (await self.c["callbacks"].get("/v1/callbacks")).json()

        def pct(v: float | None) -> str:
            return "-" if v is None else f"{v * 100:.0f}%"

        print(
            f"{datetime.now(UTC):%H:%M:%S} offered {k['offered']:>3} answered {k['answered']:>3} "
            f"abandoned {k['abandoned']:>2} | accessibility {pct(k['accessibility'])} SL {pct(k['service_level'])} "
            f"ASA {k['asa_seconds'] or 0:.0f}s AHT {k['aht_seconds'] or 0:.0f}s transfers {pct(k['transfer_rate'])}"
            f" | callbacks {len(cb) if isinstance(cb, list) else cb.get('total', '?')} | surveys completed "
            f"{s['completed']} index {s['index'] if s['index'] is not None else '-'} (target {s['target']:.0f})",
            flush=True,
        )

    async def report_loop(self) -> None:
        while True:
            await asyncio.sleep(10)
            with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
                await self.report()


def main(argv: list[str] | None = None) -> int:
    """Start the platform and drive it."""
    parser = argparse.ArgumentParser(description="Start Frontdoor and drive it with simulated traffic.")
    parser.add_argument("--var-dir", default="var")
    parser.add_argument("--seconds", type=float, default=24 * 3600, help="how long to drive (default: until Ctrl-C)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    var = Path(args.var_dir)
    platform = Platform(var, seed=True)

    def _stop(_s: int, _f: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        platform.start()
        print("Frontdoor is running; docs at " + ", ".join(f"http://127.0.0.1:{p}/docs" for p in SERVICES.values()))
        demo = Demo(var, (var / "dev-token.txt").read_text().strip(), dict(SERVICES), random.Random(args.seed))

        async def go() -> None:
            try:
                await demo.run(args.seconds)
            finally:
                await demo.close()

        asyncio.run(go())
        return 0
    except KeyboardInterrupt:
        print("\nstopping ...")
        return 0
    finally:
        platform.stop()


if __name__ == "__main__":
    sys.exit(main())
