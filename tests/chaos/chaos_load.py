"""The load for the chaos test: a CTI, agent desks, callers and an SMS gateway over the public API.

Every client retries a request that failed on the connection (the process was killed) as a
real CTI or desk would, with the same idempotency key (cti_call_id, the SMS message_id ...).
Only acknowledged (2xx) requests enter the ledger. 5xx answers and requests that hang are
recorded as violations (and retried too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

# The demo's members whose mobile number is registered on exactly one member (identified).
MEMBER_NUMBERS = ["+4741234567", "+4793456781", "+4745678912", "+4797865432"]
DIGITS = ["1", "1", "2", "2", "3"]
REASONS = ["invoice", "dues", "member_data", "insurance", "unemployment_benefit"]
REQUEST_TIMEOUT_S = 20.0  # a request not answered in this long is a hung request
RETRY_FOR_S = 120.0  # how long a client keeps retrying one request across restarts
CONNECTION_ERRORS = (httpx.TransportError,)


@dataclass
class Ledger:
    """What the platform acknowledged, and what went wrong on the wire."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    server_errors: list[dict[str, Any]] = field(default_factory=list)
    hung: list[dict[str, Any]] = field(default_factory=list)
    retries: int = 0
    ambiguous: list[dict[str, Any]] = field(default_factory=list)  # lost answer, then a conflict
    offers_seen: list[dict[str, Any]] = field(default_factory=list)  # every offer read on a desk's stream
    holding_violations: list[str] = field(default_factory=list)
    desk_resets: int = 0

    def add(self, kind: str, **data: Any) -> None:
        self.entries.append({"kind": kind, "t": time.time(), **data})

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["kind"] == kind]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e["kind"]] = out.get(e["kind"], 0) + 1
        return out


class Api:
    """httpx clients per service, with the retry policy of a real client."""

    def __init__(self, ports: dict[str, int], token: str, ledger: Ledger, down: dict[str, bool]) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        self.clients = {
            name: httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=REQUEST_TIMEOUT_S, limits=limits
            )
            for name, port in ports.items()
        }
        self.ledger = ledger
        self.down = down  # which processes the chaos loop has killed and not yet seen ready

    async def close(self) -> None:
        for c in self.clients.values():
            await c.aclose()

    async def request(self, service: str, method: str, path: str, **kw: Any) -> httpx.Response:
        """The answer that is not a connection failure, a 5xx or a timeout (retried until RETRY_FOR_S)."""
        deadline = time.monotonic() + RETRY_FOR_S
        delay = 0.1
        while True:
            try:
                r = await self.clients[service].request(method, path, **kw)
                if r.status_code < 500:
                    return r
                self.ledger.server_errors.append(
                    {
                        "service": service,
                        "method": method,
                        "path": path,
                        "status": r.status_code,
                        "body": r.text[:300],
                        "down": sorted(k for k, v in self.down.items() if v),
                        "t": time.time(),
                    }
                )
            except httpx.TimeoutException:
                self.ledger.hung.append(
                    {
                        "service": service,
                        "method": method,
                        "path": path,
                        "down": sorted(k for k, v in self.down.items() if v),
                        "t": time.time(),
                    }
                )
            except CONNECTION_ERRORS:
                pass
            self.ledger.retries += 1
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} {service}{path}: no answer within {RETRY_FOR_S}s of retries")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    async def json(self, service: str, method: str, path: str, **kw: Any) -> Any:
        r = await self.request(service, method, path, **kw)
        assert r.status_code < 300, f"{method} {service}{path}: {r.status_code} {r.text[:300]}"
        return r.json() if r.content else None


class Load:
    """Callers, desks and the SMS gateway, until `stop()`; then `drain()` lets the desks finish."""

    def __init__(self, api: Api, ledger: Ledger, var: Path, agents: list[str], rng: random.Random) -> None:
        self.api, self.ledger, self.var, self.agents, self.rng = api, ledger, var, agents, rng
        self.calling = True
        self.tasks: set[asyncio.Task[Any]] = set()
        self.holding: dict[str, str | None] = {a: None for a in agents}  # agent -> call held (accept..complete)
        self.accepted_by: dict[str, str] = {}  # call -> agent whose accept was acknowledged
        self.sms_seen: set[str] = set()
        self.sms_lines_read = 0
        self.failures: list[str] = []
        self.queues: list[dict[str, Any]] = []

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failures.append(f"{type(task.exception()).__name__}: {task.exception()}")

    def start(self, calls_per_second: float) -> None:
        for agent in self.agents:
            self.spawn(self.desk(agent))
        self.spawn(self.cti(calls_per_second))
        self.spawn(self.web_form())
        self.spawn(self.sms_gateway())
        self.spawn(self.supervisor())

    def stop_calling(self) -> None:
        self.calling = False

    async def close(self) -> None:
        for t in list(self.tasks):
            t.cancel()
        for t in list(self.tasks):
            with contextlib.suppress(BaseException):
                await t

    # --- the CTI and its callers -------------------------------------------------------------

    async def cti(self, rate: float) -> None:
        while self.calling:
            self.spawn(self.caller())
            await asyncio.sleep(self.rng.expovariate(rate))

    async def web_form(self) -> None:
        """Now and then a member asks for a callback on the web form (due at once: open all day)."""
        while self.calling:
            await asyncio.sleep(self.rng.uniform(5, 20))
            if self.calling:
                self.spawn(self.web_callback("load"))

    async def web_callback(self, why: str) -> None:
        queues = [q for q in self.queues if q.get("ivr_digit")]
        queue = self.rng.choice(queues)
        number = f"+4798{self.rng.randint(0, 999999):06d}"
        body = {"source": "web", "number": number, "queue_id": queue["id"], "reason": f"chaos {why}"}
        r = await self.api.request("callbacks", "POST", "/v1/callbacks", json=body)
        if r.status_code in (200, 201):
            data = r.json()
            self.ledger.add(
                "callback_requested",
                callback_id=data["id"],
                call_id=None,
                number=number,
                source="web",
                why=why,
                deduplicated=bool(data.get("deduplicated")),
            )
        else:
            self.ledger.ambiguous.append({"op": "web_callback", "status": r.status_code, "body": r.text[:200]})

    async def caller(self) -> None:
        member = self.rng.random() < 0.5
        number = self.rng.choice(MEMBER_NUMBERS) if member else f"+4799{self.rng.randint(0, 999999):06d}"
        cti_call_id = f"chaos-{uuid.uuid4().hex[:16]}"
        body = {"cti_call_id": cti_call_id, "caller_number": number, "ivr_digit": self.rng.choice(DIGITS)}
        view = await self.api.json("routing", "POST", "/v1/calls", json=body)
        call = view["call"]
        self.ledger.add(
            "call_posted",
            cti_call_id=cti_call_id,
            call_id=call["call_id"],
            number=number,
            member=member,
            outcome=view["outcome"],
        )
        if view["outcome"] not in ("queued", "offered"):
            return
        # Callbacks only from numbers nobody else uses: a second request for one number and queue
        # would rightly merge into the open one.
        wants_callback = not member and self.rng.random() < 0.4
        await asyncio.sleep(self.rng.uniform(3, 12))  # patience
        now = await self.api.json("routing", "GET", f"/v1/calls/{call['call_id']}")
        if now["call"]["state"] != "queued":
            return
        if wants_callback:
            cb = {
                "source": "queue",
                "number": number,
                "queue_id": now["call"]["queue_id"],
                "call_id": call["call_id"],
                "arrived_at": now["call"]["arrived_at"],
            }
            r = await self.api.request("callbacks", "POST", "/v1/callbacks", json=cb)
            if r.status_code in (200, 201):
                data = r.json()
                self.ledger.add(
                    "callback_requested",
                    callback_id=data["id"],
                    call_id=call["call_id"],
                    number=number,
                    source="queue",
                    deduplicated=bool(data.get("deduplicated")),
                )
            else:
                self.ledger.ambiguous.append({"op": "callback", "status": r.status_code, "body": r.text[:200]})
            return
        r = await self.api.request("routing", "POST", f"/v1/calls/{call['call_id']}/abandon")
        if r.status_code in (200, 201):
            self.ledger.add("abandoned", call_id=call["call_id"])
            return
        now = await self.api.json("routing", "GET", f"/v1/calls/{call['call_id']}")
        if now["call"]["state"] == "abandoned":  # ours went through; its answer was lost in a kill
            self.ledger.ambiguous.append({"op": "abandon", "status": r.status_code})
            self.ledger.add("abandoned", call_id=call["call_id"], ack=False)

    # --- agent desks --------------------------------------------------------------------------

    async def desk(self, agent: str) -> None:
        client = self.api.clients["routing"]
        while True:
            try:
                async with client.stream("GET", f"/v1/agents/{agent}/offers", timeout=httpx.Timeout(30, read=60)) as r:
                    if r.status_code != 200:
                        if r.status_code >= 500:
                            await r.aread()
                            self.ledger.server_errors.append(
                                {
                                    "service": "routing",
                                    "method": "GET",
                                    "path": f"/v1/agents/{agent}/offers",
                                    "status": r.status_code,
                                    "body": r.text[:300],
                                    "down": sorted(k for k, v in self.api.down.items() if v),
                                    "t": time.time(),
                                }
                            )
                        await asyncio.sleep(0.3)
                        continue
                    event = None
                    async for line in r.aiter_lines():
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "offer":
                            self.on_offer(agent, json.loads(line[6:]))
            except (httpx.HTTPError, ValueError):
                pass
            await asyncio.sleep(0.1)

    def on_offer(self, agent: str, offer: dict[str, Any]) -> None:
        self.ledger.offers_seen.append(
            {"agent": agent, "offer_id": offer["offer_id"], "call_id": offer["call_id"], "t": time.time()}
        )
        held = self.holding[agent]
        if held is not None and held != offer["call_id"]:
            self.ledger.holding_violations.append(
                f"agent {agent} offered call {offer['call_id']} while holding call {held}"
            )
        self.spawn(self.handle(agent, offer))

    async def handle(self, agent: str, offer: dict[str, Any]) -> None:
        await asyncio.sleep(self.rng.uniform(0.2, 1.0))
        call_id = offer["call_id"]
        if self.holding[agent] is not None:
            return  # a desk busy with a call does not take another
        r = await self.api.request("routing", "POST", f"/v1/offers/{offer['offer_id']}/accept")
        if r.status_code != 200:
            # Withdrawn meanwhile (timeout, restart): the call waits again. Or our accept went
            # through and its answer was lost in a kill: the phone rings on this desk all the same.
            now = await self.api.json("routing", "GET", f"/v1/calls/{call_id}")
            if not (now["call"]["state"] == "answered" and now["call"]["agent_id"] == agent):
                return
            self.ledger.ambiguous.append({"op": "accept", "call_id": call_id, "status": r.status_code})
        if call_id in self.accepted_by and self.accepted_by[call_id] != agent:
            self.ledger.holding_violations.append(
                f"call {call_id} accepted by {self.accepted_by[call_id]} and by {agent}"
            )
        self.accepted_by[call_id] = agent
        self.holding[agent] = call_id
        self.ledger.add("accepted", call_id=call_id, agent=agent, offer_id=offer["offer_id"])
        await asyncio.sleep(self.rng.uniform(2.0, 6.0))  # talk
        resolution = self.rng.choices(["resolved", "callback_agreed"], [9, 1])[0]
        reason = self.rng.choice(REASONS)
        self.holding[agent] = None  # from here on routing may offer the next call
        r = await self.api.request(
            "routing",
            "POST",
            f"/v1/calls/{call_id}/complete",
            json={"resolution": resolution, "contact_reason": reason},
        )
        if r.status_code == 200:
            self.ledger.add("completed", call_id=call_id, agent=agent, resolution=resolution, reason=reason)
        else:
            now = await self.api.json("routing", "GET", f"/v1/calls/{call_id}")
            self.ledger.ambiguous.append(
                {"op": "complete", "call_id": call_id, "status": r.status_code, "state": now["call"]["state"]}
            )
            if now["call"]["state"] == "completed":  # ours went through; its answer was lost
                self.ledger.add(
                    "completed", call_id=call_id, agent=agent, resolution=resolution, reason=reason, ack=False
                )

    async def supervisor(self) -> None:
        """A desk set away as not responding (an offer it never saw timed out) logs back in."""
        while True:
            await asyncio.sleep(2.0)
            try:
                agents = await self.api.json("agents", "GET", "/v1/agents")
            except (AssertionError, TimeoutError):
                continue
            for a in agents:
                if a["id"] in self.holding and a["presence"] == "away":
                    r = await self.api.request(
                        "agents", "PUT", f"/v1/agents/{a['id']}/presence", json={"presence": "available"}
                    )
                    if r.status_code == 200:
                        self.ledger.desk_resets += 1
                        self.ledger.add("presence_available", agent=a["id"], was=a.get("presence_reason"))

    # --- the SMS gateway ----------------------------------------------------------------------

    async def sms_gateway(self) -> None:
        path = self.var / "sms-outgoing.jsonl"
        while True:
            await asyncio.sleep(0.5)
            if not path.exists():
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            fresh = lines[self.sms_lines_read :]
            self.sms_lines_read = len(lines)
            for line in fresh:
                with contextlib.suppress(ValueError):
                    self.spawn(self.reply(json.loads(line)))

    async def reply(self, msg: dict[str, Any]) -> None:
        ref = str(msg.get("reference") or msg.get("message_id"))
        if ref in self.sms_seen:
            return  # the same message delivered twice: a person answers once (the check counts it)
        self.sms_seen.add(ref)
        text = str(msg.get("text") or "")
        if "/4" not in text:
            return  # not one of the four questions (the comment prompt, a thank-you)
        await asyncio.sleep(self.rng.uniform(0.2, 1.5))
        message_id = f"chaos-{uuid.uuid4().hex}"
        value = str(self.rng.choices([5, 4, 3, 2], [5, 3, 1, 1])[0])
        r = await self.api.request(
            "surveys", "POST", "/v1/sms/inbound", json={"from": msg["to"], "text": value, "message_id": message_id}
        )
        if r.status_code in (200, 201):
            self.ledger.add(
                "sms_reply", message_id=message_id, reference=ref, number=msg["to"], answer=r.json(), value=value
            )
