"""Keywords of the dossier's free text (issue 15): extracted in the tenant's language by the keyword
worker, shown in the dossier, counted per ISO week in /v1/trends/keywords with the rising ones."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import eventually
from frontdoor_members.keywords.models import EntryKeyword, KeywordExtraction
from frontdoor_members.keywords.repository import Pending
from frontdoor_members.keywords.worker import RESCAN_EVERY, KeywordWorker
from frontdoor_members.testing import OTHER_TENANT, TENANT, context_of, create_member, headers

# Wednesday 18 November 2026 (ISO week 47) and Wednesday 25 November 2026 (week 48), noon UTC
LAST_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
THIS_WEEK = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

NORWEGIAN_DISMISSALS = [
    "Oppsigelse på grunn av nedbemanning, spør om fortrinnsrett.",
    "Hun fikk oppsigelse i dag og vil ha hjelp av forbundet.",
    "Spørsmål om oppsigelse i prøvetiden.",
    "Oppsigelse etter sykefravær, lurer på om det er lov.",
]
NORWEGIAN_OTHER = ["Lønnsslipp mangler overtid for oktober.", "Spør om kontingent og trekk i lønn."]


async def extract(app: FastAPI) -> int:
    """Run the app's keyword worker over every waiting entry; returns how many it found waiting."""
    worker = context_of(app).keyword_worker
    total = 0
    while n := await worker.extract_pending():
        total += n
    return total


async def note(client: httpx.AsyncClient, member_id: str, summary: str, tenant: str = TENANT) -> dict[str, Any]:
    """An agent's log entry."""
    body = {"reason": "trouble", "summary": summary}
    r = await client.post(f"/v1/members/{member_id}/log", json=body, headers=headers(tenant))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def set_country(client: httpx.AsyncClient, country: str, tenant: str = TENANT) -> None:
    """The tenant's country (and so its language)."""
    r = await client.put("/v1/tenant/settings", json={"country": country}, headers=headers(tenant))
    assert r.status_code == 200, r.text


async def keyword_trends(client: httpx.AsyncClient, tenant: str = TENANT, **params: Any) -> dict[str, Any]:
    """GET /v1/trends/keywords for the two weeks up to THIS_WEEK."""
    query = {"weeks": 2, "until": THIS_WEEK.date().isoformat(), **params}
    r = await client.get("/v1/trends/keywords", params=query, headers=headers(tenant))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def dossier_keywords(client: httpx.AsyncClient, member_id: str, tenant: str = TENANT) -> dict[str, list[str]]:
    """entry id -> keywords, from the dossier's read endpoint."""
    r = await client.get(f"/v1/members/{member_id}/log", headers=headers(tenant))
    assert r.status_code == 200, r.text
    return {e["id"]: e["keywords"] for e in r.json()["entries"]}


async def test_norwegian_notes_about_oppsigelse_rising_week_over_week_show_it_rising(
    client_app: tuple[httpx.AsyncClient, FastAPI], clock: ManualClock
) -> None:
    client, app = client_app
    await set_country(client, "NO")
    member = await create_member(client)
    clock.set(LAST_WEEK)
    for text in [NORWEGIAN_DISMISSALS[0], *NORWEGIAN_OTHER]:
        await note(client, member["id"], text)
    clock.set(THIS_WEEK)
    for text in NORWEGIAN_DISMISSALS:
        await note(client, member["id"], text)
    assert await extract(app) == 7

    body = await keyword_trends(client)
    assert body["weeks"] == ["2026-W47", "2026-W48"]
    top = {k["keyword"]: k for k in body["keywords"]}
    assert top["oppsigelse"]["weeks"] == {"2026-W47": 1, "2026-W48": 4} and top["oppsigelse"]["total"] == 5
    assert body["keywords"][0]["keyword"] == "oppsigelse"  # the most frequent first
    assert body["rising"][0] == {
        "keyword": "oppsigelse",
        "week": "2026-W48",
        "count": 4,
        "previous_week": "2026-W47",
        "previous": 1,
        "increase": 3,
    }
    # a keyword in one entry this week is not news (min_count 2); last week's fall out
    assert {r["keyword"] for r in body["rising"]} == {"oppsigelse"}
    assert all(r["count"] >= body["min_count"] == 2 for r in body["rising"])
    # a week with nothing before it: one week asked for still compares with the week before
    one_week = await keyword_trends(client, weeks=1)
    assert one_week["weeks"] == ["2026-W48"] and one_week["rising"][0]["keyword"] == "oppsigelse"


async def test_danish_and_dutch_stop_words_never_become_keywords(
    keywords_app: Callable[..., Any], clock: ManualClock
) -> None:
    danish = [
        "Medlemmet har fået en opsigelse, og det er ikke til at forstå. Det er første gang, og det er svært.",
        "Det er en sag om løn, og det haster. Det er ferie og det er barsel.",
    ]
    dutch = [
        "De werkgever heeft het contract niet verlengd en de werknemer wil weten wat het ontslag betekent.",
        "Het lid vraagt of de vakbond het bezwaar tegen het ontslag kan indienen.",
    ]
    async with keywords_app() as (client, app):
        dk_member = await create_member(client)
        nl_member = await create_member(client, tenant=OTHER_TENANT)
        await set_country(client, "DK")
        await set_country(client, "NL", tenant=OTHER_TENANT)
        for text in danish:
            await note(client, dk_member["id"], text)
        for text in dutch:
            await note(client, nl_member["id"], text, tenant=OTHER_TENANT)
        await extract(app)
        found_dk = [k for ks in (await dossier_keywords(client, dk_member["id"])).values() for k in ks]
        found_nl = [k for ks in (await dossier_keywords(client, nl_member["id"], OTHER_TENANT)).values() for k in ks]

    assert "opsigelse" in found_dk and any("ontslag" in k.split() for k in found_nl), (found_dk, found_nl)
    danish_stop = {"og", "det", "at", "er", "en", "har", "til", "ikke", "om"}
    dutch_stop = {"de", "het", "en", "een", "of", "niet", "wat", "kan", "tegen"}
    assert not [k for k in found_dk if set(k.split()) & danish_stop], found_dk
    assert not [k for k in found_nl if set(k.split()) & dutch_stop], found_nl
    assert all(k == k.lower() for k in found_dk + found_nl)


async def test_the_dossier_shows_an_entrys_keywords_once_extracted(
    client_app: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, app = client_app
    member = await create_member(client)
    written = await note(client, member["id"], NORWEGIAN_DISMISSALS[0])
    assert written["keywords"] == []
    assert await dossier_keywords(client, member["id"]) == {written["id"]: []}  # not yet extracted
    await extract(app)
    shown = (await dossier_keywords(client, member["id"]))[written["id"]]
    assert shown[:3] == ["oppsigelse", "nedbemanning", "spør"] and len(shown) <= 5
    # another tenant sees neither the member nor the keywords
    r = await client.get(f"/v1/members/{member['id']}/log", headers=headers(OTHER_TENANT))
    assert r.status_code == 404


async def test_the_members_names_and_their_shop_stewards_never_become_keywords(
    client_app: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    """The trends aggregate keywords across members: a name there would be personal data."""
    client, app = client_app
    member = await create_member(client, first_name="Sigrun", last_name="Kvalheim", shop_steward_name="Oddvar Brenne")
    text = (
        "Sigrun Kvalheim fikk oppsigelse. Kvalheim har snakket med Oddvar Brenne om oppsigelse, "
        "Sigrun Kvalheim vil ha hjelp. Brenne mener oppsigelse er urettmessig."
    )
    written = await note(client, member["id"], text)
    await extract(app)
    shown = (await dossier_keywords(client, member["id"]))[written["id"]]
    assert "oppsigelse" in shown
    assert not {w for k in shown for w in k.split()} & {"sigrun", "kvalheim", "oddvar", "brenne"}, shown


async def test_a_forwards_keywords_come_from_the_agents_summary_not_the_systems_line(
    client_app: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, app = client_app
    dept = await client.post(
        "/v1/departments",
        json={"code": "7", "name": "Avdeling Vestland", "email": "vestland@union.example"},
        headers=headers(),
    )
    assert dept.status_code == 201, dept.text
    member = await create_member(client, department_id=dept.json()["id"])
    r = await client.post(
        f"/v1/members/{member['id']}/forwards",
        json={"reason": "trouble", "summary": "Oppsigelse på grunn av nedbemanning, spør om fortrinnsrett."},
        headers=headers(),
    )
    assert r.status_code == 201, r.text
    await extract(app)
    (shown,) = (await dossier_keywords(client, member["id"])).values()
    assert "oppsigelse" in shown
    assert not {w for k in shown for w in k.split()} & {"forwarded", "email", "vestland", "avdeling", "reason"}


async def test_a_huge_text_is_refused_and_a_long_one_read_only_to_its_bound(
    client_app: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, app = client_app
    member = await create_member(client)
    log = f"/v1/members/{member['id']}/log"
    huge = {"reason": "trouble", "summary": "oppsigelse " * 100_000}  # 1.1 MB
    r = await client.post(log, json=huge, headers=headers())
    assert r.status_code == 413, r.status_code
    over = {"reason": "trouble", "summary": "x" * 10_001}
    r = await client.post(log, json=over, headers=headers())
    assert r.status_code == 422 and r.json()["field"].endswith("summary"), r.text

    # 10,000 characters (the endpoint's bound): the first 4,000 are read, the rest never is
    head = ("Oppsigelse på grunn av nedbemanning, spør om fortrinnsrett. " * 80)[:4000]
    tail = ("Permittering og sluttpakke etter konkurs. " * 200)[: 10_000 - len(head)]
    written = await note(client, member["id"], head + tail)
    assert await extract(app) == 1
    shown = (await dossier_keywords(client, member["id"]))[written["id"]]
    assert "oppsigelse" in shown
    assert not any(w in k for k in shown for w in ("permittering", "sluttpakke", "konkurs"))
    async with context_of(app).db.snapshot() as session:
        row = await session.get(KeywordExtraction, uuid.UUID(written["id"]))
    assert row is not None and row.text_chars == 4000


async def test_an_entry_written_while_no_worker_runs_is_extracted_when_one_starts(
    keywords_app: Callable[..., Any],
) -> None:
    async with keywords_app(worker=False) as (client, app):
        member = await create_member(client)
        written = await note(client, member["id"], NORWEGIAN_DISMISSALS[1])
    # the process is gone before any extraction; the next one (worker running, on the broker) finds it
    async with keywords_app(worker=True, broker=True) as (client, app):

        async def extracted() -> list[str] | None:
            return (await dossier_keywords(client, member["id"]))[written["id"]] or None

        context_of(app).keyword_worker.wake()
        shown = await eventually(extracted)
        assert "oppsigelse" in shown
        assert context_of(app).keyword_worker.healthy()


async def test_a_note_written_wakes_the_worker_so_its_keywords_do_not_wait_for_the_interval(
    keywords_app: Callable[..., Any],
) -> None:
    # an interval no test outlives: only the wake after the note's commit can have extracted it
    async with keywords_app(worker=True, keyword_interval_s=3600) as (client, app):
        worker = context_of(app).keyword_worker
        await eventually(lambda: worker._wake.is_set() is False)  # the start-up pass is done, it waits
        member = await create_member(client)
        written = await note(client, member["id"], NORWEGIAN_DISMISSALS[2])

        async def extracted() -> list[str] | None:
            return (await dossier_keywords(client, member["id"]))[written["id"]] or None

        assert "oppsigelse" in await eventually(extracted)


async def test_an_entry_committed_long_after_it_was_created_is_found_by_the_next_walk_from_the_start(
    client_app: tuple[httpx.AsyncClient, FastAPI], clock: ManualClock
) -> None:
    client, app = client_app
    member = await create_member(client)
    assert await extract(app) == 0  # caught up: later passes look only at entries created since
    clock.advance(minutes=5)
    recent = await note(client, member["id"], NORWEGIAN_DISMISSALS[0])
    assert await extract(app) == 1
    # an entry created well before the last pass that only shows up now (a transaction that took long)
    clock.advance(minutes=-30)
    late = await note(client, member["id"], NORWEGIAN_DISMISSALS[1])
    clock.advance(minutes=30)
    assert await extract(app) == 0
    clock.advance(RESCAN_EVERY)
    assert await extract(app) == 1
    shown = await dossier_keywords(client, member["id"])
    assert "oppsigelse" in shown[recent["id"]] and "oppsigelse" in shown[late["id"]]


class _RacingWorker(KeywordWorker):
    """A worker that waits, after extracting, until its rival has extracted too: both hold the same
    entries when they store them (the race a second instance or a restart can run)."""

    def __init__(self, barrier: asyncio.Barrier, **kw: Any) -> None:
        super().__init__(**kw)
        self.barrier = barrier

    async def _extract(self, item: Pending, language: str) -> list[str]:
        found = await super()._extract(item, language)
        await self.barrier.wait()
        return found


async def test_two_workers_extracting_the_same_entries_at_once_count_each_once(
    client_app: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, app = client_app
    ctx = context_of(app)
    member = await create_member(client)
    for text in NORWEGIAN_DISMISSALS[:3]:
        await note(client, member["id"], text)
    barrier = asyncio.Barrier(2)
    a, b = (_RacingWorker(barrier, db=ctx.db, settings=ctx.settings, clock=ctx.clock) for _ in range(2))
    assert list(await asyncio.gather(a.extract_pending(), b.extract_pending())) == [3, 3]  # both saw all three
    assert a.extracted_total + b.extracted_total == 3 and a.lost_races_total + b.lost_races_total == 3
    assert await extract(app) == 0  # nothing left waiting

    async with ctx.db.snapshot() as session:
        extractions = await session.scalar(select(func.count()).select_from(KeywordExtraction))
        per_entry = (
            await session.execute(
                select(EntryKeyword.entry_id, EntryKeyword.keyword, func.count()).group_by(
                    EntryKeyword.entry_id, EntryKeyword.keyword
                )
            )
        ).all()
    assert extractions == 3 and per_entry and all(n == 1 for _, _, n in per_entry)
    body = await keyword_trends(client)
    assert {k["keyword"]: k["total"] for k in body["keywords"]}["oppsigelse"] == 3


async def test_another_tenants_keywords_never_appear_in_the_trends(
    client_app: tuple[httpx.AsyncClient, FastAPI], clock: ManualClock
) -> None:
    client, app = client_app
    ours = await create_member(client)
    dept = await client.post("/v1/departments", json={"code": "9", "name": "Oslo"}, headers=headers(OTHER_TENANT))
    assert dept.status_code == 201, dept.text
    theirs = await create_member(client, tenant=OTHER_TENANT, department_id=dept.json()["id"])
    for _ in range(3):
        await note(client, theirs["id"], "Permittering og sluttpakke etter konkurs.", tenant=OTHER_TENANT)
    await note(client, ours["id"], NORWEGIAN_OTHER[0])
    await extract(app)

    body = await keyword_trends(client)
    words = {k["keyword"] for k in body["keywords"]} | {r["keyword"] for r in body["rising"]}
    assert "lønnsslipp" in words and not words & {"permittering", "sluttpakke", "konkurs"}
    # their department asked by us: nothing, as /v1/trends/reasons answers it
    foreign = await keyword_trends(client, department_id=dept.json()["id"])
    assert foreign["keywords"] == [] and foreign["rising"] == []
    # they see theirs
    theirs_body = await keyword_trends(client, tenant=OTHER_TENANT, department_id=dept.json()["id"])
    assert {r["keyword"] for r in theirs_body["rising"]} >= {"permittering"}


async def test_keyword_trends_validate_their_parameters_naming_the_field(
    client_app: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, _ = client_app
    cases: list[tuple[dict[str, str | int], str]] = [
        ({"weeks": 0}, "weeks"),
        ({"weeks": 105}, "weeks"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"until": "0001-01-01"}, "until"),
        ({"until": "9999-12-31"}, "until"),
        ({"department_id": "not-a-uuid"}, "department_id"),
    ]
    for params, field in cases:
        r = await client.get("/v1/trends/keywords", params=params, headers=headers())
        assert r.status_code == 422 and r.json()["field"] == field, (params, r.text)
    r = await client.get("/v1/trends/keywords", headers=headers(scopes="members:write"))
    assert r.status_code == 403
    schema = (await client.get("/openapi.json")).json()["paths"]["/v1/trends/keywords"]["get"]
    bounds = {p["name"]: p["schema"] for p in schema["parameters"]}
    assert bounds["weeks"]["maximum"] == 104 and bounds["limit"]["maximum"] == 100
