"""Tenant A's objects in each service (the "world"), and what tenant B sends at them.

Shared by the isolation and the PATCH-null tests: for every path parameter of every service,
how to create tenant A's object for it, and how to read tenant A's state back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from adversarial_harness import ServiceProcess, bearer, new_tenant

from frontdoor_common.bus import topics
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.events.agents import AgentPresenceChanged, AgentSnapshot, QueueMembership
from frontdoor_common.events.members import MessageReceived
from frontdoor_common.events.routing import CallCompleted, CallSnapshot, QueueSnapshot, QueueUpserted
from frontdoor_common.testing import eventually, publish
from frontdoor_surveys.gateway.signature import signed_headers

OPERATIONS_ENDPOINTS = {"/healthz", "/readyz", "/metrics"}
MOBILE = "+4741234567"
NOT_FOUND = (403, 404)

# Fields whose value moves with the clock, not with anybody's request.
VOLATILE = {
    "estimated_wait_seconds",
    "wait_seconds",
    "waiting_seconds",
    "longest_wait_seconds",
    "position",
    "now",
    "generated_at",
    "as_of",
    "computed_at",
    "last_read_at",
    "read_at",
}


def stable(value: Any) -> Any:
    """`value` without the fields that move with the clock."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def diff(before: Any, after: Any, where: str = "") -> list[str]:
    """Where two snapshots differ (short)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[str] = []
        for k in sorted(set(before) | set(after), key=str):
            out += diff(before.get(k, "<absent>"), after.get(k, "<absent>"), f"{where}.{k}")
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = []
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            out += diff(b, a, f"{where}[{i}]")
        return out
    if before != after:
        return [f"{where}: {json.dumps(before, default=str)[:80]} -> {json.dumps(after, default=str)[:80]}"]
    return []


@dataclass
class Request:
    """What B sends to one operation: path values come from A's objects; query and body from here."""

    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None  # raw bytes instead of `body` (a signed webhook)
    # For operations without path parameters: the statuses that are right for B (in B's own tenant).
    ok: tuple[int, ...] = NOT_FOUND


@dataclass
class World:
    """Tenant A's objects in one service: path parameter name -> A's object id, and how to read A's state."""

    tenant: str
    ids: dict[str, str]
    snapshot: Callable[[], Awaitable[Any]]
    secrets: set[str] = field(default_factory=set)  # A's identifiers that must never reach B


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    ops = []
    for path, item in spec["paths"].items():
        if path in OPERATIONS_ENDPOINTS:
            continue
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                ops.append((method.upper(), path, op))
    return ops


def path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


async def read(client: httpx.AsyncClient, url: str, **params: Any) -> Any:
    r = await client.get(url, params=params)
    return {"status": r.status_code, "body": stable(r.json()) if r.content else None}


async def ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201, 204)), f"{response.request.url}: {response.text[:500]}"
    return response.json() if response.content else None


def now() -> datetime:
    return datetime.now(UTC)


async def publish_events(service: ServiceProcess, bootstrap: str, topic: str, tenant: str, *events: Any) -> None:
    """Produce events to the service's (prefixed) topic, as the producing service's relay would."""
    bus = KafkaBus(bootstrap, client_id="adversarial")
    await bus.start()
    try:
        for event in events:
            await publish(bus.producer, f"{service.topic_prefix}{topic}", event, tenant=tenant, source="adversarial")
    finally:
        await bus.stop()


async def routing_queue(service: ServiceProcess, bootstrap: str, tenant: str, name: str) -> str:
    """A queue of `tenant`, announced as routing announces its queues (the service mirrors them)."""
    queue = QueueSnapshot(queue_id=uuid.uuid4(), tenant_id=tenant, name=name)
    await publish_events(service, bootstrap, topics.ROUTING, tenant, QueueUpserted(queue=queue))
    return str(queue.queue_id)


# ---------------------------------------------------------------------------------------------
# routing
# ---------------------------------------------------------------------------------------------


async def routing_world(service: ServiceProcess, bootstrap: str) -> World:
    tenant = new_tenant()
    a = httpx.AsyncClient(base_url=service.base_url, headers=bearer(tenant), timeout=30)
    q1 = await ok(await a.post("/v1/queues", json={"name": "A one", "ivr_digit": "1", "offer_timeout_seconds": 300}))
    q2 = await ok(await a.post("/v1/queues", json={"name": "A two", "ivr_digit": "2", "offer_timeout_seconds": 300}))
    agent = uuid.uuid4()
    at = now()
    snapshot = AgentSnapshot(
        agent_id=agent,
        tenant_id=tenant,
        name="Agent A",
        presence="available",
        presence_since=at,
        blocked=False,  # type: ignore[arg-type]
        available=True,
        queues=[QueueMembership(queue_id=uuid.UUID(q1["id"]), proficiency=3)],
    )
    await publish_events(service, bootstrap, topics.AGENTS, tenant, AgentPresenceChanged(current=snapshot, at=at))

    async def agent_known() -> bool:
        stats = (await a.get(f"/v1/queues/{q1['id']}/stats")).json()
        return bool(stats.get("agents", {}).get("available", 0) >= 1)

    await eventually(agent_known, timeout=30)
    # A member's email: routing makes it a task of the queue (offered to the agent too: calls still go to them).
    message = MessageReceived(message_id=uuid.uuid4(), tenant_id=tenant, channel="email", received_at=at)
    await publish_events(service, bootstrap, topics.MEMBERS, tenant, message)

    async def task_made() -> bool:
        return bool((await a.get("/v1/tasks")).json().get("items"))

    await eventually(task_made, timeout=30)
    task_id = (await a.get("/v1/tasks")).json()["items"][0]["task"]["task_id"]
    first = await ok(
        await a.post("/v1/calls", json={"cti_call_id": "a-call-1", "ivr_digit": "1", "caller_number": MOBILE}), 201
    )
    assert first["outcome"] == "offered", first
    second = await ok(await a.post("/v1/calls", json={"cti_call_id": "a-call-2", "ivr_digit": "1"}), 201)
    call_id = first["call"]["call_id"]
    view = await ok(await a.get(f"/v1/calls/{call_id}"))
    offer_id = view["offer_id"]
    assert offer_id, view

    async def state() -> Any:
        return {
            "queues": await read(a, "/v1/queues"),
            "q1": await read(a, f"/v1/queues/{q1['id']}"),
            "q2": await read(a, f"/v1/queues/{q2['id']}"),
            "call1": await read(a, f"/v1/calls/{call_id}"),
            "call2": await read(a, f"/v1/calls/{second['call']['call_id']}"),
            "task": await read(a, f"/v1/tasks/{task_id}"),
        }

    ids = {"queue_id": q1["id"], "call_id": call_id, "agent_id": str(agent), "offer_id": offer_id, "task_id": task_id}
    secrets = {*ids.values(), q2["id"], second["call"]["call_id"]}
    return World(tenant, ids, state, secrets)


def routing_requests(world: World) -> tuple[dict[tuple[str, str], Request], dict[tuple[str, str], Request]]:
    q = world.ids["queue_id"]
    on_paths = {
        ("PATCH", "/v1/queues/{queue_id}"): Request(body={"name": "B was here", "service_level_seconds": 99}),
        ("POST", "/v1/calls/{call_id}/answer"): Request(body={"agent_id": world.ids["agent_id"]}),
        ("POST", "/v1/calls/{call_id}/transfer"): Request(body={"queue_id": q}),
        ("POST", "/v1/calls/{call_id}/complete"): Request(body={"resolution": "resolved"}),
    }
    plain = {
        ("POST", "/admin/outbox/republish"): Request(ok=(200, 403, 503)),
        ("GET", "/v1/queues"): Request(ok=(200,)),
        # B may use the same IVR digit as A (a 409 would tell B that A has it).
        ("POST", "/v1/queues"): Request(body={"name": "B one", "ivr_digit": "1"}, ok=(201,)),
        # A's queue is not B's to call into; A's CTI call id is B's to use (no 200 with A's call).
        ("POST", "/v1/calls"): Request(body={"cti_call_id": "a-call-1", "queue_id": q}, ok=(404, 422)),
        ("GET", "/v1/kpis"): Request(query={"queue_id": q}, ok=(200, 404, 422)),
        ("GET", "/v1/tasks"): Request(query={"queue_id": q}, ok=(200,)),
        ("GET", "/v1/staffing/erlang-c"): Request(query={"calls_per_interval": 100, "aht_seconds": 180}, ok=(200,)),
        ("GET", "/v1/staffing/erlang-a"): Request(
            query={"calls_per_interval": 100, "aht_seconds": 180, "patience_seconds": 120}, ok=(200,)
        ),
        ("POST", "/v1/staffing/simulate"): Request(body={"profile": {}}, ok=(200, 422)),
    }
    return on_paths, plain


# ---------------------------------------------------------------------------------------------
# members
# ---------------------------------------------------------------------------------------------


async def members_world(service: ServiceProcess, bootstrap: str) -> World:
    tenant = new_tenant()
    a = httpx.AsyncClient(base_url=service.base_url, headers=bearer(tenant), timeout=30)
    department = await ok(
        await a.post("/v1/departments", json={"code": "AD1", "name": "A department", "email": "ad1@a.example"}), 201
    )
    member = await ok(
        await a.post(
            "/v1/members",
            json={
                "first_name": "Astrid",
                "last_name": "Aasen",
                "member_number": "700001",
                "national_id": "01017010170",
                "department_id": department["id"],
                "phones": [{"number": MOBILE, "kind": "mobile"}],
            },
        ),
        201,
    )
    m = member["id"]
    invoice = await ok(await a.post(f"/v1/members/{m}/invoices", json={"amount": 450, "due_date": "2027-01-31"}), 201)
    contact = await ok(await a.post("/v1/contacts", json={"channel": "phone", "member_id": m}), 201)
    await ok(
        await a.post(
            f"/v1/contacts/{contact['id']}/verify",
            json={"method": "member", "national_id": "01017010170", "member_number": "700001"},
        )
    )
    power = await ok(
        await a.post(
            f"/v1/members/{m}/powers-of-attorney", json={"contact_id": contact["id"], "grantee_name": "Gunnar Aasen"}
        ),
        201,
    )
    change = await ok(await a.post(f"/v1/members/{m}/membership-changes", json={"kind": "leave"}), 201)
    await ok(await a.post(f"/v1/members/{m}/log", json={"summary": "A's own note", "reason": "other"}), 201)
    # a playbook for a reason only A has: B's PUT to it is refused (422 naming code), never B's own
    await ok(await a.put("/v1/tenant/settings", json={"country": "NO", "reasons": ["other", "a_only_reason"]}))
    await ok(await a.put("/v1/playbooks/a_only_reason", json={"steps": ["A's step"], "transfer_number": MOBILE}))
    forward = await ok(
        await a.post(
            f"/v1/members/{m}/forwards", json={"reason": "other", "summary": "A's enquiry", "deadline": "2099-01-05"}
        ),
        201,
    )
    course = await ok(
        await a.post(
            "/v1/courses",
            json={
                "title": "A's course",
                "starts_at": "2099-02-01T09:00:00Z",
                "ends_at": "2099-02-01T15:00:00Z",
                "seats": 5,
                "signup_deadline": "2099-01-25T12:00:00Z",
            },
        ),
        201,
    )
    signup = await ok(await a.post(f"/v1/courses/{course['id']}/signups", json={"member_id": m}), 201)
    # a course imported from A's course system: B's import of the same uid must make B's own
    a_feed = b"uid,title,starts_at,ends_at,seats\nA1,A's imported course,2099-03-01T09:00:00Z,2099-03-01T10:00:00Z,5\n"
    await ok(await a.post("/v1/courses/import", content=a_feed, headers={"Content-Type": "text/csv"}), 200)
    await ok(await a.put("/v1/mailboxes/a-form", json={"address": f"a-{tenant[:8]}@a.example"}), 201)
    message = await ok(
        await a.post(
            "/v1/messages",
            json={
                "mailbox": "a-form",
                "name": "A",
                "email": "a@a.example",
                "subject": "A's question",
                "text": "A's text",
            },
        ),
        201,
    )
    # a second member of A's, erased (issue 17): A's erasure request, and A's retention windows
    gone = await ok(
        await a.post("/v1/members", json={"first_name": "Gunn", "last_name": "Glemt", "member_number": "700002"}), 201
    )
    erasure = await ok(await a.post(f"/v1/members/{gone['id']}/erasure", json={"note": "A's request"}), 202)
    await ok(await a.put("/v1/retention", json={"windows": {"dossier_entries": 3650}}), 200)
    # the keyword worker extracts the note's and the forward's keywords after the write (the sign-up's
    # entry is the system's words: none): wait for them, so A's state does not change under the sweep
    for _ in range(300):
        entries = (await read(a, f"/v1/members/{m}/log"))["body"]["entries"]
        if all(e["keywords"] for e in entries if e["kind"] in ("log", "remark", "message")):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("A's keywords were not extracted within 30 s")

    async def state() -> Any:
        return {
            "member": await read(a, f"/v1/members/{m}"),
            "invoices": await read(a, f"/v1/members/{m}/invoices"),
            "powers": await read(a, f"/v1/members/{m}/powers-of-attorney"),
            "log": await read(a, f"/v1/members/{m}/log"),
            "changes": await read(a, f"/v1/members/{m}/membership-changes"),
            "contact": await read(a, f"/v1/contacts/{contact['id']}"),
            "departments": await read(a, "/v1/departments"),
            "settings": await read(a, "/v1/tenant/settings"),
            "playbooks": await read(a, "/v1/playbooks"),
            "forwards": await read(a, "/v1/forwards"),
            "followups": await read(a, "/v1/followups"),
            "courses": await read(a, "/v1/courses"),
            "course": await read(a, f"/v1/courses/{course['id']}"),
            "signups": await read(a, f"/v1/members/{m}/signups"),
            "messages": await read(a, "/v1/messages"),
            "message": await read(a, f"/v1/messages/{message['id']}"),
            "mailboxes": await read(a, "/v1/mailboxes"),
            "retention": await read(a, "/v1/retention"),
            # the erasure's parts move on by themselves as services report: its request, not its progress
            "erasure": (await read(a, f"/v1/erasures/{erasure['erasure_id']}"))["body"]["member_id"],
        }

    ids = {
        "member_id": m,
        "invoice_id": invoice["id"],
        "contact_id": contact["id"],
        "power_id": power["id"],
        "change_id": change["id"],
        "code": "a_only_reason",
        "forward_id": forward["id"],
        "followup_id": forward["followup_id"],
        "department_id": department["id"],
        "course_id": course["id"],
        "signup_id": signup["id"],
        "message_id": message["id"],
        "name": "a-form",
        "erasure_id": erasure["erasure_id"],
    }
    world = World(tenant, ids, state, set(ids.values()))
    world.ids["_kid"] = str(invoice.get("kid") or "")
    return world


def members_requests(world: World) -> tuple[dict[tuple[str, str], Request], dict[tuple[str, str], Request]]:
    m = world.ids["member_id"]
    on_paths = {
        ("PATCH", "/v1/members/{member_id}"): Request(body={"first_name": "Bjørn"}),
        ("POST", "/v1/members/{member_id}/erasure"): Request(body={"note": "B's request"}),
        ("POST", "/v1/members/{member_id}/objection"): Request(body={"to": ["surveys"]}),
        ("POST", "/v1/members/{member_id}/invoices"): Request(body={"amount": 1, "due_date": "2027-01-31"}),
        ("PATCH", "/v1/invoices/{invoice_id}"): Request(body={"paid": True}),
        ("POST", "/v1/members/{member_id}/powers-of-attorney"): Request(
            body={"contact_id": world.ids["contact_id"], "grantee_name": "B"}
        ),
        ("POST", "/v1/contacts/{contact_id}/verify"): Request(body={"method": "member", "member_number": "700001"}),
        ("POST", "/v1/members/{member_id}/log"): Request(body={"summary": "B's note", "reason": "other"}),
        ("POST", "/v1/members/{member_id}/membership-changes"): Request(body={"kind": "leave"}),
        ("POST", "/v1/membership-changes/{change_id}/confirm"): Request(body={}),
        ("PUT", "/v1/playbooks/{code}"): Request(body={"steps": ["B's step"]}, ok=(404, 422)),
        ("POST", "/v1/members/{member_id}/forwards"): Request(body={"reason": "other", "summary": "B's enquiry"}),
        ("PATCH", "/v1/departments/{department_id}"): Request(body={"email": "b@b.example"}),
        ("PATCH", "/v1/courses/{course_id}"): Request(body={"seats": 1}),
        ("POST", "/v1/courses/{course_id}/signups"): Request(body={"member_id": m}),
        ("POST", "/v1/messages/{message_id}/replies"): Request(body={"text": "B"}),
        ("GET", "/v1/messages/{message_id}/replies"): Request(),
        ("POST", "/v1/messages/{message_id}/member"): Request(body={"member_id": m}),
        # mailbox names are per tenant: B's PUT of "a-form" makes B's own, A's stays as it was
        ("PUT", "/v1/mailboxes/{name}"): Request(body={"address": None}, ok=(201,)),
        ("DELETE", "/v1/mailboxes/{name}"): Request(ok=(204, 404)),
    }
    plain = {
        ("POST", "/admin/outbox/republish"): Request(ok=(200, 403, 503)),
        ("POST", "/admin/members/reencrypt"): Request(ok=(200, 403)),
        ("GET", "/admin/audit/verify"): Request(ok=(200, 403)),
        # B may hold a member with A's number (a 409 would tell B that A has one).
        ("POST", "/v1/members"): Request(
            body={"first_name": "Bo", "last_name": "Berg", "member_number": "700001"}, ok=(201,)
        ),
        ("GET", "/v1/members/lookup"): Request(query={"phone": MOBILE}, ok=(200, 404)),
        ("POST", "/v1/members/lookup/kid"): Request(
            body={"kid": world.ids["_kid"] or "0000000001", "name": "Astrid Aasen"}, ok=(200, 404)
        ),
        ("POST", "/v1/contacts"): Request(body={"channel": "phone", "member_id": m}, ok=(404, 422)),
        ("GET", "/v1/trends/reasons"): Request(ok=(200,)),
        ("GET", "/v1/erasures"): Request(ok=(200,)),
        ("GET", "/v1/retention"): Request(ok=(200, 404)),
        ("PUT", "/v1/retention"): Request(body={"windows": {"dossier_entries": 30}}, ok=(200,)),
        ("GET", "/v1/trends/keywords"): Request(query={"department_id": world.ids["department_id"]}, ok=(200,)),
        ("GET", "/v1/tenant/settings"): Request(ok=(200,)),
        ("PUT", "/v1/tenant/settings"): Request(body={"country": "DK"}, ok=(200,)),
        ("GET", "/v1/departments"): Request(ok=(200,)),
        ("POST", "/v1/departments"): Request(body={"code": "AD1", "name": "B department"}, ok=(201,)),
        ("GET", "/v1/playbooks"): Request(ok=(200,)),
        ("GET", "/v1/forwards"): Request(ok=(200,)),
        ("GET", "/v1/followups"): Request(ok=(200,)),
        ("GET", "/v1/courses"): Request(ok=(200,)),
        ("GET", "/v1/messages"): Request(ok=(200,)),
        ("POST", "/v1/courses/import"): Request(
            content=b"uid,title,starts_at,ends_at,seats\nA1,B's course,2099-03-01T09:00:00Z,2099-03-01T10:00:00Z,3\n",
            headers={"Content-Type": "text/csv"},
            ok=(200,),
        ),
        ("GET", "/v1/course-feed"): Request(ok=(200, 404)),
        ("PUT", "/v1/course-feed"): Request(
            body={"url": "https://courses.example.org/b.ics", "format": "ical"}, ok=(200, 201, 422)
        ),
        ("DELETE", "/v1/course-feed"): Request(ok=(204, 404)),
        ("POST", "/v1/course-feed/run"): Request(ok=(200, 404)),
        ("GET", "/v1/mailboxes"): Request(ok=(200,)),
        ("POST", "/v1/messages"): Request(
            body={"name": "B", "email": "b@b.example", "subject": "B", "text": "B"}, ok=(201, 422)
        ),
        ("POST", "/v1/courses"): Request(
            body={
                "title": "B's course",
                "starts_at": "2099-02-01T09:00:00Z",
                "ends_at": "2099-02-01T15:00:00Z",
                "seats": 5,
                "signup_deadline": "2099-01-25T12:00:00Z",
            },
            ok=(201,),
        ),
    }
    return on_paths, plain


# ---------------------------------------------------------------------------------------------
# agents
# ---------------------------------------------------------------------------------------------

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//adversarial//EN\r\nBEGIN:VEVENT\r\nUID:a-1@adversarial\r\n"
    "DTSTAMP:20270101T000000Z\r\nDTSTART:20270104T100000Z\r\nDTEND:20270104T110000Z\r\nSUMMARY:A's meeting\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def agents_world(service: ServiceProcess, bootstrap: str) -> World:
    tenant = new_tenant()
    a = httpx.AsyncClient(base_url=service.base_url, headers=bearer(tenant), timeout=30)
    team = await ok(await a.post("/v1/teams", json={"name": "Team A"}), 201)
    agent = await ok(await a.post("/v1/agents", json={"name": "Agent A", "team_id": team["id"]}), 201)
    ag = agent["id"]
    queue = await routing_queue(service, bootstrap, tenant, "A one")

    async def member_of_queue() -> bool:
        return (await a.put(f"/v1/agents/{ag}/queues/{queue}", json={"proficiency": 3})).status_code == 200

    await eventually(member_of_queue, timeout=30)
    start = (now() + timedelta(days=30)).replace(microsecond=0)
    event = await ok(
        await a.post(
            f"/v1/agents/{ag}/calendar/events",
            json={"title": "A's meeting", "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        ),
        201,
    )
    await ok(await a.put(f"/v1/agents/{ag}/calendar/feed", json={"ics": ICS}))
    closure = await ok(
        await a.post(
            "/v1/closures",
            json={
                "title": "A closed",
                "start": (start + timedelta(days=1)).isoformat(),
                "end": (start + timedelta(days=2)).isoformat(),
                "queue_id": queue,
            },
        ),
        201,
    )
    await ok(
        await a.put(
            f"/v1/queues/{queue}/opening-hours", json={"hours": [{"days": ["mon"], "start": "08:00", "end": "16:00"}]}
        )
    )
    window = {"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()}
    kind = "a-cv-meetings"
    await ok(
        await a.put(
            f"/v1/meeting-kinds/{kind}",
            json={
                "name": "A's CV",
                "minutes": 60,
                "book_ahead_days": 60,
                "min_notice_minutes": 0,
                "counsellor_ids": [ag],
            },
        )
    )
    slot = (await ok(await a.get(f"/v1/meeting-kinds/{kind}/slots", params={"counsellor_id": ag})))[0]
    meeting = await ok(
        await a.post(
            "/v1/meetings",
            json={"kind": kind, "counsellor_id": ag, "starts_at": slot["starts_at"], "member_id": str(uuid.uuid4())},
        ),
        201,
    )
    meetings_window = {"from": (now() - timedelta(days=1)).isoformat(), "to": (now() + timedelta(days=60)).isoformat()}

    async def state() -> Any:
        return {
            "agent": await read(a, f"/v1/agents/{ag}"),
            "meeting_kinds": await read(a, "/v1/meeting-kinds"),
            "meeting": await read(a, f"/v1/meetings/{meeting['id']}"),
            "meetings": await read(a, "/v1/meetings", **meetings_window),
            "teams": await read(a, "/v1/teams"),
            "events": await read(a, f"/v1/agents/{ag}/calendar/events"),
            "feed": await read(a, f"/v1/agents/{ag}/calendar/feed"),
            "closures": await read(a, "/v1/closures"),
            "hours": await read(a, f"/v1/queues/{queue}/opening-hours", **window),
            "settings": await read(a, "/v1/settings"),
        }

    ids = {
        "team_id": team["id"],
        "agent_id": ag,
        "queue_id": queue,
        "event_id": event["id"],
        "closure_id": closure["id"],
        "code": kind,
        "meeting_id": meeting["id"],
    }
    return World(tenant, ids, state, set(ids.values()))


def agents_requests(world: World) -> tuple[dict[tuple[str, str], Request], dict[tuple[str, str], Request]]:
    start = (now() + timedelta(days=40)).replace(microsecond=0)
    on_paths = {
        ("PUT", "/v1/teams/{team_id}"): Request(body={"name": "B's team"}),
        ("PATCH", "/v1/agents/{agent_id}"): Request(body={"name": "B's agent"}),
        ("PUT", "/v1/agents/{agent_id}/queues/{queue_id}"): Request(body={"proficiency": 1}),
        ("PUT", "/v1/agents/{agent_id}/presence"): Request(body={"presence": "available"}),
        ("POST", "/v1/agents/{agent_id}/calendar/events"): Request(
            body={"title": "B", "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
        ),
        ("PUT", "/v1/agents/{agent_id}/calendar/feed"): Request(body={"ics": ICS.replace("A's", "B's")}),
        ("PUT", "/v1/queues/{queue_id}/opening-hours"): Request(
            body={"hours": [{"days": ["sun"], "start": "00:00", "end": "01:00"}]}
        ),
        # B may have a kind of the same code; with A's counsellor it is refused naming the field.
        ("PUT", "/v1/meeting-kinds/{code}"): Request(
            body={
                "name": "B's",
                "minutes": 60,
                "book_ahead_days": 30,
                "min_notice_minutes": 0,
                "counsellor_ids": [world.ids["agent_id"]],
            },
            ok=(422,),
        ),
        ("POST", "/v1/meetings/{meeting_id}/reschedule"): Request(body={"starts_at": start.isoformat()}),
    }
    plain = {
        ("POST", "/admin/outbox/republish"): Request(ok=(200, 403, 503)),
        ("GET", "/v1/teams"): Request(ok=(200,)),
        ("POST", "/v1/teams"): Request(body={"name": "Team A"}, ok=(201,)),
        ("GET", "/v1/agents"): Request(ok=(200,)),
        ("POST", "/v1/agents"): Request(body={"name": "Agent A", "team_id": world.ids["team_id"]}, ok=(404, 422)),
        ("GET", "/v1/agents/snapshots"): Request(ok=(200,)),
        ("GET", "/v1/presence"): Request(ok=(200,)),
        ("GET", "/v1/settings"): Request(ok=(200,)),
        ("PUT", "/v1/settings"): Request(body={"timezone": "UTC"}, ok=(200,)),
        ("GET", "/v1/closures"): Request(ok=(200,)),
        ("POST", "/v1/closures"): Request(
            body={
                "title": "B closed",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
                "queue_id": world.ids["queue_id"],
            },
            ok=(201, 404, 422),
        ),
        ("GET", "/v1/opening"): Request(query={"queue_id": world.ids["queue_id"]}, ok=(200, 404)),
        ("GET", "/v1/workload"): Request(ok=(200,)),
        ("GET", "/v1/meeting-kinds"): Request(ok=(200,)),
        ("GET", "/v1/meetings"): Request(ok=(200,)),
        ("POST", "/v1/meetings"): Request(
            body={
                "kind": world.ids["code"],
                "counsellor_id": world.ids["agent_id"],
                "starts_at": start.isoformat(),
                "member_id": str(uuid.uuid4()),
            },
            ok=(404, 422),
        ),
    }
    return on_paths, plain


# ---------------------------------------------------------------------------------------------
# callbacks
# ---------------------------------------------------------------------------------------------


async def callbacks_world(service: ServiceProcess, bootstrap: str) -> World:
    tenant = new_tenant()
    a = httpx.AsyncClient(base_url=service.base_url, headers=bearer(tenant), timeout=30)
    queue = await routing_queue(service, bootstrap, tenant, "A one")
    body = {"source": "web", "number": MOBILE, "reason": "A's", "queue_id": queue}

    async def created() -> Any:
        r = await a.post("/v1/callbacks", json=body)
        return r.json() if r.status_code == 201 else None

    cb = (await eventually(created, timeout=30))["id"]

    async def state() -> Any:
        return {"callback": await read(a, f"/v1/callbacks/{cb}"), "list": await read(a, "/v1/callbacks")}

    return World(tenant, {"callback_id": cb, "_queue_id": queue}, state, {cb})


def callbacks_requests(world: World) -> tuple[dict[tuple[str, str], Request], dict[tuple[str, str], Request]]:
    today = now().replace(microsecond=0)
    on_paths = {
        ("POST", "/v1/callbacks/{callback_id}/attempts"): Request(body={"outcome": "reached"}),
        ("POST", "/v1/callbacks/{callback_id}/cancel"): Request(body={"reason": "B"}),
    }
    plain = {
        ("POST", "/admin/outbox/republish"): Request(ok=(200, 403, 503)),
        ("GET", "/v1/callbacks/report"): Request(
            query={"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()},
            ok=(200,),
        ),
        # A's queue is not B's to call back into.
        ("POST", "/v1/callbacks"): Request(
            body={"source": "web", "number": MOBILE, "queue_id": world.ids["_queue_id"]}, ok=(404, 422)
        ),
        ("GET", "/v1/callbacks"): Request(query={"number": MOBILE}, ok=(200,)),
    }
    return on_paths, plain


# ---------------------------------------------------------------------------------------------
# surveys
# ---------------------------------------------------------------------------------------------


async def surveys_world(service: ServiceProcess, bootstrap: str) -> World:
    tenant = new_tenant()
    a = httpx.AsyncClient(base_url=service.base_url, headers=bearer(tenant), timeout=30)
    policy = await ok(await a.get("/v1/survey-policy"))
    policy.update({"quiet_start": "00:00", "quiet_end": "00:00", "min_days_between": 0})
    await ok(await a.put("/v1/survey-policy", json={k: v for k, v in policy.items() if k != "questions"}))
    gateway = await ok(await a.put("/v1/sms/gateway", json={}))
    key = str(gateway.get("webhook_key") or "")
    # Another tenant's own gateway: its secret is a valid signature, but for its own key only.
    async with httpx.AsyncClient(base_url=service.base_url, headers=bearer(new_tenant()), timeout=30) as c:
        other_secret = str((await ok(await c.put("/v1/sms/gateway", json={"rotate_secret": True})))["webhook_secret"])
    at = now()
    call = CallSnapshot(
        call_id=uuid.uuid4(),
        tenant_id=tenant,
        cti_call_id=f"cti-{uuid.uuid4().hex[:8]}",
        caller_number=MOBILE,
        language="no",
        queue_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        agent_id=uuid.uuid4(),
        agent_team_id=uuid.uuid4(),
        state="completed",
        arrived_at=at - timedelta(minutes=6),
        answered_at=at - timedelta(minutes=5),
        completed_at=at,
        transferred=False,
        transfers=0,
        resolution="resolved",
    )
    await publish_events(service, bootstrap, topics.ROUTING, tenant, CallCompleted(call=call))

    async def sent() -> Any:
        items = (await a.get("/v1/surveys")).json()["items"]
        return items[0] if items and items[0].get("status") not in (None, "pending", "scheduled") else None

    survey = await eventually(sent, timeout=40)
    messages = [
        json.loads(line)
        for line in (service.workdir / "var" / "sms-outgoing.jsonl").read_text().splitlines()
        if line.strip()
    ]
    provider_id = next((m["message_id"] for m in messages if m.get("to") == MOBILE), "")

    async def state() -> Any:
        return {
            "survey": await read(a, f"/v1/surveys/{survey['id']}"),
            "policy": await read(a, "/v1/survey-policy"),
            "gateway": await read(a, "/v1/sms/gateway"),
        }

    world = World(tenant, {"survey_id": survey["id"], "webhook_key": key}, state, {survey["id"]})
    world.ids["_provider_id"] = provider_id
    world.ids["_other_secret"] = other_secret
    return world


def surveys_requests(world: World) -> tuple[dict[tuple[str, str], Request], dict[tuple[str, str], Request]]:
    reply = {"from": MOBILE, "text": "1", "message_id": f"b-{uuid.uuid4().hex[:8]}"}
    receipt = {"message_id": world.ids["_provider_id"] or "none", "status": "failed"}

    def signed(body: dict[str, Any]) -> Request:
        # A's webhook key, signed with another tenant's own gateway secret (and B's bearer token):
        # the signature is these webhooks' credential, and this one is not A's: 401 is right too.
        content = json.dumps(body).encode()
        headers = {"content-type": "application/json", **signed_headers(world.ids["_other_secret"], content)}
        return Request(content=content, headers=headers, ok=(401, 403, 404))

    on_paths = {
        ("POST", "/v1/sms/inbound/{webhook_key}"): signed(reply),
        ("POST", "/v1/sms/receipts/{webhook_key}"): signed(receipt),
    }
    plain = {
        ("POST", "/admin/outbox/republish"): Request(ok=(200, 403, 503)),
        ("GET", "/v1/surveys"): Request(ok=(200,)),
        ("GET", "/v1/surveys/comments"): Request(ok=(200,)),
        ("GET", "/v1/satisfaction"): Request(ok=(200,)),
        # A reply from A's member's number with B's token belongs to no survey of B's.
        ("POST", "/v1/sms/inbound"): Request(body=reply, ok=(200, 401, 403, 404)),
        ("POST", "/v1/sms/receipts"): Request(body=receipt, ok=(200, 401, 403, 404)),
        ("GET", "/v1/survey-policy"): Request(ok=(200,)),
        ("PUT", "/v1/survey-policy"): Request(body={"enabled": False}, ok=(200, 422)),
        ("PATCH", "/v1/survey-policy"): Request(body={"enabled": False}, ok=(200,)),
        ("GET", "/v1/sms/gateway"): Request(ok=(200, 404)),
        ("PUT", "/v1/sms/gateway"): Request(body={}, ok=(200,)),
        ("GET", "/v1/notices"): Request(ok=(200,)),
    }
    return on_paths, plain


def a_kid(service: ServiceProcess, tenant: str) -> str:
    """One of tenant A's data keys in the service's database (issue 17: the keys sealing personal
    fields of its events), or a made-up id where A's objects sealed nothing."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(service.workdir / f"{service.name}.sqlite")) as db:
        row = db.execute("SELECT kid FROM seal_keys WHERE tenant = ? LIMIT 1", (tenant,)).fetchone()
    return str(row[0]) if row else uuid.uuid4().hex


# The internal endpoints every service serves (issue 17). B asking for A's member's data gets an
# answer in B's own tenant: no lines (the sweep checks A's identifiers never appear); A's data key is 404.
PRIVACY_PATHS = {
    ("GET", "/internal/v1/personal-data/members/{member_id}"): Request(ok=(200, 404)),
}


def with_privacy(build: Any, requests: Any) -> tuple[Any, Any]:
    """A world with the ids the internal endpoints take: A's member (a made-up one where the
    service's world has none) and one of A's data keys."""

    async def built(service: ServiceProcess, bootstrap: str) -> World:
        world: World = await build(service, bootstrap)
        world.ids.setdefault("member_id", str(uuid.uuid4()))
        world.ids["kid"] = a_kid(service, world.tenant)
        world.secrets.add(world.ids["kid"])
        return world

    def with_requests(world: World) -> tuple[dict[tuple[str, str], Request], dict[tuple[str, str], Request]]:
        on_paths, plain = requests(world)
        # an operator's endpoint like the outbox's re-publish: every tenant's keys, changing no data
        plain = {("POST", "/admin/seal-keys/rewrap"): Request(ok=(200, 403)), **plain}
        return {**PRIVACY_PATHS, **on_paths}, plain

    return built, with_requests


WORLDS: dict[str, Any] = {
    "routing": with_privacy(routing_world, routing_requests),
    "members": with_privacy(members_world, members_requests),
    "agents": with_privacy(agents_world, agents_requests),
    "callbacks": with_privacy(callbacks_world, callbacks_requests),
    "surveys": with_privacy(surveys_world, surveys_requests),
}
