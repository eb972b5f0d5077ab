"""Demo data for the demo tenant: a team per IVR loop, made-up agents, memberships, opening hours."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlmodel import col

from frontdoor_agents.agents.schemas import AgentCreate, MembershipUpdate
from frontdoor_agents.agents.service import create_agent, set_membership
from frontdoor_agents.context import AgentsContext
from frontdoor_agents.hours.repository import DEFAULT_AWAY_REASONS, get_config
from frontdoor_agents.hours.service import upsert_queue
from frontdoor_agents.meetings.schemas import MeetingKindPut
from frontdoor_agents.meetings.service import put_kind
from frontdoor_agents.models import Agent, Team, TenantConfig
from frontdoor_agents.presence.service import apply
from frontdoor_common.settings import DEMO_TENANT_ID, demo_department_id

# Routing seeds the demo queues with these fixed ids; we seed our replica with them too.
QUEUE_INVOICES = uuid.UUID("0000000a-0000-4000-8000-000000000001")
QUEUE_WAGES = uuid.UUID("0000000a-0000-4000-8000-000000000002")
QUEUE_OTHER = uuid.UUID("0000000a-0000-4000-8000-000000000003")
QUEUE_SWITCHBOARD = uuid.UUID("0000000a-0000-4000-8000-000000000004")

QUEUES = [
    (QUEUE_INVOICES, "Loop 1: insurance and invoices", "Team loop 1"),
    (QUEUE_WAGES, "Loop 2: wages and work", "Team loop 2"),
    (QUEUE_OTHER, "Loop 3: everything else", "Team loop 3"),
    (QUEUE_SWITCHBOARD, "Switchboard (English)", "Team switchboard"),
]

# Made-up people: (name, extension, languages, home queue, other queues they help in).
# The demo's counsellors work for a department of the union (members' demo departments by code):
# the desk offers the demo member (avd-1) Astrid's CV meeting times.
COUNSELLOR_DEPARTMENTS = {"Astrid Øvrebø": "avd-1", "Magnus Tveitå": "avd-2"}
AGENTS = [
    ("Kari Nordmann", "2101", ["no", "en"], QUEUE_INVOICES, [QUEUE_OTHER]),
    ("Sindre Fjellheim", "2102", ["no"], QUEUE_INVOICES, []),
    ("Ingrid Bakkevold", "2201", ["no", "en"], QUEUE_WAGES, [QUEUE_INVOICES]),
    ("Ola Lysebu", "2202", ["no"], QUEUE_WAGES, []),
    ("Astrid Øvrebø", "2301", ["no", "en"], QUEUE_OTHER, [QUEUE_SWITCHBOARD]),
    ("Magnus Tveitå", "2401", ["en", "no"], QUEUE_SWITCHBOARD, [QUEUE_OTHER]),
]


async def seed(ctx: AgentsContext) -> None:
    """Create the demo tenant's data once (idempotent)."""
    tenant = DEMO_TENANT_ID
    now = ctx.clock.now()
    notifier = ctx.notifier
    async with ctx.db.transaction() as session:
        if await session.scalar(select(func.count()).select_from(Agent).where(col(Agent.tenant_id) == tenant)):
            return
        if await session.get(TenantConfig, tenant) is None:
            session.add(
                TenantConfig(
                    tenant_id=tenant,
                    timezone="Europe/Oslo",
                    country="NO",
                    away_reasons=list(DEFAULT_AWAY_REASONS),
                    opening_hours=[{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "15:30"}],
                    updated_at=now,
                )
            )
        await session.flush()
        await notifier.settings_changed(session, await get_config(session, tenant), now)
        teams: dict[uuid.UUID, Team] = {}
        for queue_id, queue_name, team_name in QUEUES:
            await upsert_queue(session, tenant, queue_id, queue_name, True, now)
            team = Team(tenant_id=tenant, name=team_name, target_calls_per_day=40)
            session.add(team)
            teams[queue_id] = team
        await session.flush()
        for name, extension, languages, home, helps in AGENTS:
            department = COUNSELLOR_DEPARTMENTS.get(name)
            body = AgentCreate(
                name=name,
                extension=extension,
                languages=languages,
                team_id=teams[home].id,
                department_id=demo_department_id(department) if department else None,
            )
            agent = await create_agent(session, notifier, tenant, body, now)
            await set_membership(
                session, notifier, tenant, agent.id, home, MembershipUpdate(proficiency=5, order=0), now
            )
            for order, queue_id in enumerate(helps, start=1):
                await set_membership(
                    session, notifier, tenant, agent.id, queue_id, MembershipUpdate(proficiency=3, order=order), now
                )
            # Staff stay logged in to their queues.
            await apply(session, notifier, agent, "available", None, now)
        # A CV meeting with two counsellors, in the tenant's hours (issue 16: booked from the console's desk).
        staff = await session.scalars(select(Agent).where(col(Agent.tenant_id) == tenant))
        counsellors = [a.id for a in staff if a.name in ("Astrid Øvrebø", "Magnus Tveitå")]
        cv = MeetingKindPut(
            name="CV meeting", minutes=45, book_ahead_days=60, min_notice_minutes=60, counsellor_ids=counsellors
        )
        await put_kind(session, tenant, "cv", cv, now)
