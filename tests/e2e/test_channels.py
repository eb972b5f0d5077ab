"""Reason playbooks, forwards, email tasks and keyword trends (issue 15) on the whole platform as real
processes: the broker, the five services, a real SMTP server process (aiosmtpd keeping every mail it
receives under var/mail/new, as `make run` runs it) and members' own SMTP intake.

An insurance-claim call goes to the playbook's fixed number in one step; a trouble call is forwarded
to the department's case worker by email with the member's deadline, which is escalated before it
runs out; a member's email becomes a task offered to an agent on a call, who answers it by email;
notes that repeat a keyword this week make it a rising keyword. Driven only through the REST contract
(and SMTP), as a CTI system, the agents' desks and a member's mail program would.
"""

from __future__ import annotations

import email
import email.utils
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import aiosmtplib
import pytest
from e2e_platforms import api_clients, ok, open_around_the_clock, running_platform

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import free_port
from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_common.testing import eventually, read_envelopes
from frontdoor_common.testing.smtp import SmtpServer

pytestmark = pytest.mark.slow

INVOICES = "0000000a-0000-4000-8000-000000000001"  # the demo's insurance and invoices queue (IVR 1)
WAGES = "0000000a-0000-4000-8000-000000000002"  # wages and work, loop 2 (IVR 2): trouble calls
OTHER = "0000000a-0000-4000-8000-000000000003"  # everything else (IVR 3): takes the mailbox "kontakt"
INTAKE_ADDRESS = "kontakt@fagforbund.example.org"  # the demo tenant's intake mailbox
OSLO_DEPARTMENT_MAIL = "saksbehandler.oslo@avdeling.example.org"  # avd-1, the department of Nordli Bygg AS
RUN = uuid.uuid4().int % 10**6
MOBILE_PREFIXES = {1: "41", 2: "45", 3: "46"}  # Norwegian mobile ranges: this run's callers


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    var = tmp_path_factory.mktemp("e2e-channels-var")
    smtp_port, intake_port = free_port(), free_port()
    smtp = SmtpServer(var / "mail", smtp_port)  # aiosmtpd as its own process, as `make run` runs one
    smtp.start()
    extra = {
        "ROUTING_KNOWN_AGENT_PREFERENCE_SECONDS": "0",
        # members' mail to departments and members goes to the SMTP server process above
        "MEMBERS_SMTP_HOST": "127.0.0.1",
        "MEMBERS_SMTP_PORT": str(smtp_port),
        "MEMBERS_MAIL_SEND_INTERVAL_S": "0.5",
        # members' mail intake on a port of its own: another platform may be running beside this one
        "MEMBERS_INTAKE_SMTP_PORT": str(intake_port),
        # follow-ups due are escalated, and keywords extracted, within a second or two
        "MEMBERS_FOLLOWUP_CHECK_INTERVAL_S": "1",
        "MEMBERS_KEYWORD_INTERVAL_S": "1",
    }
    # members (forwards, follow-ups, messages, keywords), routing (tasks) and agents on PostgreSQL
    # when CI gives one
    try:
        with running_platform(var, extra_env=extra, postgres_for=("members", "routing", "agents")) as platform:
            platform.intake_port = intake_port
            yield platform
    finally:
        smtp.stop()


@pytest.fixture
async def api(platform: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    async with api_clients(platform) as clients:
        yield clients


@pytest.fixture(scope="module")
def open_all_day(platform: SimpleNamespace) -> None:
    """The tenant open around the clock; no wrap-up in the queues the scenarios use."""
    open_around_the_clock(platform, (INVOICES, WAGES, OTHER))


# --- helpers ----------------------------------------------------------------------------------------


def mails(platform: SimpleNamespace) -> list[Message]:
    """Every mail the SMTP server process has received so far (its Maildir's new ones)."""
    arrived = platform.var / "mail" / "new"
    if not arrived.exists():
        return []
    return [email.message_from_bytes(f.read_bytes()) for f in sorted(arrived.iterdir()) if f.is_file()]


async def mail_to(platform: SimpleNamespace, address: str) -> Message:
    """The one mail the SMTP server received for `address` (waits for it)."""

    def found() -> list[Message]:
        return [m for m in mails(platform) if address in str(m.get("To", ""))]

    await eventually(lambda: len(found()) >= 1, timeout=30)
    [mail] = found()
    return mail


def text_of(mail: Message) -> str:
    parts = mail.walk() if mail.is_multipart() else [mail]
    return "\n".join(
        str(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8"))  # type: ignore[union-attr]
        for p in parts
        if p.get_content_type() == "text/plain"
    )


async def new_member(api: SimpleNamespace, n: int, **extra: Any) -> dict[str, Any]:
    """A member of this run: a mobile of their own (so a call identifies them), at Nordli Bygg AS (avd-1)."""
    body = {
        "member_number": f"7{RUN:06d}{n}",
        "first_name": "Siri",
        "last_name": f"Kanal{n}",
        "phones": [{"number": f"+47 {MOBILE_PREFIXES[n]}{RUN:06d}", "kind": "mobile"}] if n in MOBILE_PREFIXES else [],
        "email": f"siri.kanal{n}.{RUN}@example.org",
        "workplace": "Nordli Bygg AS",
    } | extra
    return dict(ok(await api.members.post("/v1/members", json=body), 201))


async def agents_by_name(api: SimpleNamespace) -> dict[str, str]:
    return {a["name"].split()[0]: a["id"] for a in ok(await api.agents.get("/v1/agents"))}


async def settle(api: SimpleNamespace) -> None:
    """Until the agents service has caught up with routing's call events (nobody on a call)."""

    async def quiet() -> bool:
        board = ok(await api.agents.get("/v1/agents/snapshots"))
        return all(a["presence"] not in ("on_call", "wrap_up") for a in board)

    await eventually(quiet, timeout=30)


async def presences(api: SimpleNamespace, **states: str) -> None:
    """Set agents' presence by first name (after the last call's events have reached their status)."""
    await settle(api)
    people = await agents_by_name(api)
    for name, state in states.items():
        body = {"presence": state, "reason": "break" if state == "away" else None}
        ok(await api.agents.put(f"/v1/agents/{people[name]}/presence", json=body))


async def wait_available(api: SimpleNamespace, queue: str, n: int) -> None:
    async def count_is() -> bool:
        return int(ok(await api.routing.get(f"/v1/queues/{queue}/stats"))["agents"]["available"]) == n

    await eventually(count_is, timeout=30)


async def call(api: SimpleNamespace, digit: str, number: str | None = None) -> dict[str, Any]:
    body = {"cti_call_id": uuid.uuid4().hex, "caller_number": number, "ivr_digit": digit}
    return dict(ok(await api.routing.post("/v1/calls", json=body), 201))


async def state(api: SimpleNamespace, call_id: str) -> dict[str, Any]:
    return dict(ok(await api.routing.get(f"/v1/calls/{call_id}")))


async def identified(api: SimpleNamespace, call_id: str, member_id: str) -> None:
    """Until routing knows the caller (at once, or after a retried lookup: routing.call.identified)."""

    async def known() -> bool:
        return bool((await state(api, call_id))["call"]["member_id"] == member_id)

    await eventually(known, timeout=20)


async def answered(api: SimpleNamespace, call_id: str) -> dict[str, Any]:
    """The call offered to an agent, and accepted by them (as the desk does)."""

    async def offered() -> dict[str, Any] | None:
        view = await state(api, call_id)
        return view if view["outcome"] == "offered" and view["offer_id"] else None

    try:
        view = await eventually(offered, timeout=20)
    except AssertionError:
        board = [(a["name"], a["presence"], a["blocked"]) for a in ok(await api.agents.get("/v1/agents/snapshots"))]
        raise AssertionError(f"not offered: {await state(api, call_id)}; agents: {board}") from None
    ok(await api.routing.post(f"/v1/offers/{view['offer_id']}/accept"))
    now = await state(api, call_id)
    assert now["call"]["state"] == "answered", now
    return now


async def complete(api: SimpleNamespace, call_id: str, reason: str) -> None:
    body = {"resolution": "resolved", "contact_reason": reason}
    ok(await api.routing.post(f"/v1/calls/{call_id}/complete", json=body))


async def log_of(api: SimpleNamespace, member_id: str) -> list[dict[str, Any]]:
    return list(ok(await api.members.get(f"/v1/members/{member_id}/log"))["entries"])


async def events(platform: SimpleNamespace, topic: str, name: str) -> list[dict[str, Any]]:
    return [e.data for e in await read_envelopes(platform.bootstrap, topic, grace=1.0) if e.type == name]


def configurer(platform: SimpleNamespace, scopes: str) -> dict[str, str]:
    """Headers of a tenant administrator's token with only `scopes`."""
    token = mint_token(tenant_id=DEMO_TENANT_ID, scopes=scopes, subject="admin")
    return {"Authorization": f"Bearer {token}"}


# --- the scenarios -----------------------------------------------------------------------------------


async def _insurance_call_transferred(
    platform: SimpleNamespace, api: SimpleNamespace, n: int
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """An insurance-claim call from a known member, answered and transferred in one step to the
    playbook's fixed number. Returns (the member, the call's view after the transfer, the number)."""
    member = await new_member(api, n, insurances=["legal_aid"])
    playbook = {
        "steps": ["Ask for the claim number", "Transfer to the insurer's claims line"],
        "transfer_number": "22 99 88 77",
    }
    # only the tenant's administrator sets a playbook (members:configure)
    refused = await api.members.put(
        "/v1/playbooks/insurance", json=playbook, headers=configurer(platform, "members:read members:write")
    )
    assert refused.status_code == 403, refused.text
    ok(
        await api.members.put(
            "/v1/playbooks/insurance", json=playbook, headers=configurer(platform, "members:configure")
        )
    )

    await presences(api, Kari="available", Sindre="available", Ingrid="available")
    await wait_available(api, INVOICES, 3)
    arrived = await call(api, "1", member["phones"][0]["number"])
    call_id = arrived["call"]["call_id"]
    await identified(api, call_id, member["id"])
    taken = await answered(api, call_id)

    # the desk shows the reason's playbook from members, and the agent transfers in one step
    shown = ok(await api.members.get("/v1/playbooks/insurance"))
    assert shown["transfer_number"] == "+4722998877"  # kept as E.164
    body = {"number": shown["transfer_number"], "contact_reason": "insurance"}
    moved = ok(await api.routing.post(f"/v1/calls/{call_id}/transfer", json=body))
    assert moved["call"]["state"] in ("wrap_up", "completed")
    assert (moved["call"]["transferred"], moved["call"]["resolution"]) == (True, "transferred")
    assert moved["call"]["agent_id"] == taken["call"]["agent_id"]
    return member, moved, shown["transfer_number"]


async def test_an_insurance_claim_call_is_transferred_to_the_playbooks_fixed_number_in_one_step(
    platform: SimpleNamespace, api: SimpleNamespace, open_all_day: None
) -> None:
    member, moved, _number = await _insurance_call_transferred(platform, api, 1)
    call_id = moved["call"]["call_id"]

    async def completed() -> dict[str, Any] | None:
        view = await state(api, call_id)
        return view if view["call"]["state"] == "completed" else None

    final = await eventually(completed, timeout=20)
    assert (final["call"]["transfers"], final["call"]["resolution"]) == (0, "transferred")  # out, not to a queue

    # routing's events: one transfer of this call, by the agent who held it, then no further offer
    transferred = [
        e
        for e in await events(platform, "frontdoor.routing.v1", "routing.call.transferred")
        if e["call"]["call_id"] == call_id
    ]
    assert len(transferred) == 1
    assert (transferred[0]["call"]["agent_id"], transferred[0]["call"]["transferred"]) == (
        moved["call"]["agent_id"],
        True,
    )
    offers = [
        e
        for e in await events(platform, "frontdoor.routing.v1", "routing.call.offered")
        if e["call"]["call_id"] == call_id
    ]
    assert len(offers) == 1  # in one step: nobody else was offered the call

    # the member's dossier has the call, transferred
    async def in_dossier() -> list[dict[str, Any]]:
        return [e for e in await log_of(api, member["id"]) if e["call_id"] == call_id]

    [entry] = await eventually(in_dossier, timeout=30)
    assert (entry["kind"], entry["outcome"], entry["reason"]) == ("call", "transferred", "insurance")


async def test_routing_records_the_number_a_call_was_transferred_to(
    platform: SimpleNamespace, api: SimpleNamespace, open_all_day: None
) -> None:
    _member, moved, number = await _insurance_call_transferred(platform, api, 2)
    call_id = moved["call"]["call_id"]
    transferred = [
        e
        for e in await events(platform, "frontdoor.routing.v1", "routing.call.transferred")
        if e["call"]["call_id"] == call_id
    ]
    assert transferred[0]["from_agent_id"] == moved["call"]["agent_id"]
    assert transferred[0]["to_number"] == number == "+4722998877"
    assert transferred[0]["call"]["transferred_to_number"] == number
    view = await state(api, call_id)
    assert (view["call"]["transferred_to_number"], view["call"]["contact_reason"]) == (number, "insurance")


async def test_a_trouble_call_is_forwarded_to_the_case_worker_and_the_deadline_escalated_in_time(
    platform: SimpleNamespace, api: SimpleNamespace, open_all_day: None
) -> None:
    member = await new_member(api, 3, shop_steward_name="Leif Aasmundstad")
    question = "Har du snakket med den tillitsvalgte på arbeidsplassen?"
    playbook = {"steps": ["Ask the shop-steward question", "Transfer to loop 2"], "ask_first": question}
    ok(await api.members.put("/v1/playbooks/trouble", json=playbook, headers=configurer(platform, "members:configure")))

    # the case worker of the member's department is away; the wages loop takes the call
    department = member["department_id"]
    assert department is not None  # chosen by the workplace
    people = ok(await api.agents.get("/v1/agents"))
    case_workers = [a for a in people if a["department_id"] == department]
    assert case_workers, "the demo has a case worker (counsellor) in avd-1"
    await presences(api, Ingrid="available", Ola="available", **{a["name"].split()[0]: "away" for a in case_workers})
    await wait_available(api, WAGES, 2)
    arrived = await call(api, "2", member["phones"][0]["number"])
    call_id = arrived["call"]["call_id"]
    await identified(api, call_id, member["id"])
    await answered(api, call_id)

    # the desk: the shop-steward question first, with the member's workplace and shop steward
    assert ok(await api.members.get("/v1/playbooks/trouble"))["ask_first"] == question
    known = ok(await api.members.get(f"/v1/members/{member['id']}"))
    assert (known["workplace"], known["shop_steward_name"]) == ("Nordli Bygg AS", "Leif Aasmundstad")
    board = {a["agent_id"]: a for a in ok(await api.agents.get("/v1/agents/snapshots"))}
    assert all(board[a["id"]]["presence"] == "away" for a in case_workers)

    # the case worker is unavailable: forward by email with the member's deadline (tomorrow)
    deadline = datetime.now(UTC).date() + timedelta(days=1)
    summary = "Oppsigelse. Medlemmet har fått oppsigelse og har ikke snakket med tillitsvalgt ennå."
    body = {"reason": "trouble", "summary": summary, "deadline": deadline.isoformat()}
    sent = ok(await api.members.post(f"/v1/members/{member['id']}/forwards", json=body), 201)
    await complete(api, call_id, "trouble")
    assert sent["department"]["id"] == department
    assert sent["followup_id"] is not None and sent["dossier_entry_id"] is not None

    # the mail reaches the SMTP server: to the department's case worker, with the member's details
    mail = await mail_to(platform, OSLO_DEPARTMENT_MAIL)
    assert mail["Message-ID"] == sent["message_id"]
    text = text_of(mail)
    assert member["member_number"] in text and "Oppsigelse" in text and deadline.isoformat() in text

    async def delivered() -> bool:
        return bool(ok(await api.members.get(f"/v1/forwards/{sent['id']}"))["status"] == "sent")

    await eventually(delivered, timeout=30)

    # the dated remark is in the dossier
    [remark] = [e for e in await log_of(api, member["id"]) if e["id"] == sent["dossier_entry_id"]]
    assert (remark["kind"], remark["noted_on"]) == ("remark", datetime.now(UTC).date().isoformat())
    assert "Forwarded" in remark["summary"] and deadline.isoformat() in remark["summary"]

    # the deadline's follow-up is escalated before the deadline (its moment has passed already)
    async def escalated() -> dict[str, Any] | None:
        view = ok(await api.members.get(f"/v1/followups/{sent['followup_id']}"))
        return view if view["status"] == "escalated" else None

    followup = await eventually(escalated, timeout=30)
    at = datetime.fromisoformat(followup["escalated_at"])
    # the deadline's day starts at midnight in the tenant's zone (UTC here; Oslo, members' default, is earlier)
    starts = datetime.combine(deadline, datetime.min.time(), tzinfo=ZoneInfo("Europe/Oslo"))
    assert datetime.fromisoformat(followup["escalate_at"]) <= at < starts
    assert followup["deadline"] == deadline.isoformat()
    listed = ok(await api.members.get("/v1/followups", params={"status": "escalated"}))
    assert sent["followup_id"] in {f["id"] for f in listed}

    async def published() -> list[dict[str, Any]]:
        found = await events(platform, "frontdoor.members.v1", "members.followup.escalated")
        return [e for e in found if e["followup_id"] == sent["followup_id"]]

    [event] = await eventually(published, timeout=30)
    assert (event["status"], event["member_id"], event["deadline"]) == ("escalated", member["id"], deadline.isoformat())
    await presences(api, **{a["name"].split()[0]: "available" for a in case_workers})


async def test_a_members_email_becomes_a_task_for_an_agent_on_a_call_who_answers_it_by_email(
    platform: SimpleNamespace, api: SimpleNamespace, open_all_day: None
) -> None:
    member = await new_member(api, 14)
    people = await agents_by_name(api)
    kari = people["Kari"]
    # of "Everything else" (the mailbox kontakt), only Kari is in: she takes a call there
    await presences(api, Kari="available", Astrid="away", Magnus="away")
    await wait_available(api, OTHER, 1)
    on_the_phone = await call(api, "3")
    call_id = on_the_phone["call"]["call_id"]
    held = await answered(api, call_id)
    assert held["call"]["agent_id"] == kari

    # the member writes to the union's intake mailbox from their registered address
    sent = EmailMessage()
    sent["From"] = f"Siri Kanal <{member['email']}>"
    sent["To"] = INTAKE_ADDRESS
    sent["Subject"] = "Spørsmål om lønn"
    sent["Message-ID"] = email.utils.make_msgid(domain="example.org")
    sent["Date"] = email.utils.formatdate(localtime=True)
    sent.set_content("Hei, jeg har ikke fått lønn for overtid i november. Hva gjør jeg?")
    await aiosmtplib.send(sent, hostname="127.0.0.1", port=platform.intake_port, timeout=30)

    async def stored() -> list[dict[str, Any]]:
        return list(ok(await api.members.get("/v1/messages", params={"member_id": member["id"]})))

    [message] = await eventually(stored, timeout=30)
    assert (message["channel"], message["identified_by"], message["mailbox"]) == ("email", "email", "kontakt")

    # routing makes it a task and offers it to Kari, who is on the call
    async def offered() -> dict[str, Any] | None:
        tasks = ok(await api.routing.get("/v1/tasks", params={"state": "open"}))["items"]
        mine = [t for t in tasks if t["task"]["message_id"] == message["id"]]
        return mine[0] if mine and mine[0]["task"]["state"] == "offered" else None

    task = await eventually(offered, timeout=30)
    assert (task["task"]["agent_id"], task["task"]["queue_id"], task["task"]["channel"]) == (kari, OTHER, "email")
    still = await state(api, call_id)
    assert (still["call"]["state"], still["call"]["agent_id"]) == ("answered", kari)  # an agent on a call
    task_id = task["task"]["task_id"]
    accepted = ok(await api.routing.post(f"/v1/tasks/{task_id}/accept"))
    assert (accepted["task"]["state"], accepted["task"]["agent_id"]) == ("accepted", kari)

    # she answers through members: the reply goes out by email, in reply to the member's mail
    reply_text = "Hei! Send oss timelistene dine, så tar avdelingen saken med arbeidsgiver."
    reply = ok(
        await api.members.post(f"/v1/messages/{message['id']}/replies", json={"text": reply_text, "agent_id": kari}),
        201,
    )
    out = await mail_to(platform, member["email"])
    assert out["In-Reply-To"] == sent["Message-ID"]
    assert out["Message-ID"] == reply["mail_message_id"]
    assert "timelistene" in text_of(out)

    # the task ends in routing, answered
    async def ended() -> dict[str, Any] | None:
        view = ok(await api.routing.get(f"/v1/tasks/{task_id}"))
        return view if view["task"]["state"] == "completed" else None

    done = await eventually(ended, timeout=30)
    assert (done["task"]["resolution"], done["task"]["agent_id"]) == ("answered", kari)
    await complete(api, call_id, "other")

    # both the message and the reply are in the member's dossier
    async def both() -> list[dict[str, Any]]:
        found = [e for e in await log_of(api, member["id"]) if e["kind"] == "message"]
        return found if len(found) >= 2 else []

    entries = await eventually(both, timeout=30)
    assert {e["id"] for e in entries} == {message["dossier_entry_id"], reply["dossier_entry_id"]}
    assert {e["channel"] for e in entries} == {"email"}
    await presences(api, Astrid="available", Magnus="available")


async def test_the_trends_show_a_keyword_rising_week_over_week(
    platform: SimpleNamespace, api: SimpleNamespace, open_all_day: None
) -> None:
    member = await new_member(api, 25)

    async def this_week() -> dict[str, int]:
        view = ok(await api.members.get("/v1/trends/keywords", params={"weeks": 2, "limit": 100}))
        return {k["keyword"]: k["weeks"][view["weeks"][-1]] for k in view["keywords"]}

    before = await this_week()
    notes = [
        "Oppsigelse. Medlemmet ringte om oppsigelse i prøvetiden.",
        "Oppsigelse. Arbeidsgiver varslet oppsigelse uten drøftingsmøte.",
        "Oppsigelse. Spør om oppsigelse etter nedbemanning ved bedriften.",
        "Permittering. Bedriften varsler permittering fra neste måned.",
    ]
    written = []
    for text in notes:
        body = {"kind": "log", "channel": "phone", "reason": "trouble", "summary": text}
        written.append(ok(await api.members.post(f"/v1/members/{member['id']}/log", json=body), 201)["id"])

    async def extracted() -> dict[str, list[str]] | None:
        found = {e["id"]: e["keywords"] for e in await log_of(api, member["id"]) if e["id"] in written}
        return found if len(found) == len(written) and all(found.values()) else None

    keywords = await eventually(extracted, timeout=30)
    assert [("oppsigelse" in keywords[i]) for i in written] == [True, True, True, False]

    view = ok(await api.members.get("/v1/trends/keywords", params={"weeks": 2, "limit": 100}))
    rising = {r["keyword"]: r for r in view["rising"]}
    assert "oppsigelse" in rising, view["rising"]
    up = rising["oppsigelse"]
    assert up["week"] == view["weeks"][-1] and up["previous_week"] == view["weeks"][0]
    assert up["count"] == before.get("oppsigelse", 0) + 3
    assert up["increase"] == up["count"] - up["previous"] and up["increase"] > 0 and up["count"] >= 2
    # a keyword in one entry this week is not news
    assert before.get("permittering", 0) == 0 and "permittering" not in rising
