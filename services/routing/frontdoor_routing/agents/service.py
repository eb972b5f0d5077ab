"""Routing's replica of the agents: what the agents service says about each agent, applied to the core."""

from __future__ import annotations

from datetime import datetime

from frontdoor_common.events.agents import AgentSnapshot
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.models import AgentView

# What the replica row keeps of an agent's snapshot, under the same names (and `queues`, as JSON).
REPLICATED = {"name", "team_id", "presence", "presence_since", "blocked", "blocked_reason", "active"}


async def upsert_agent(m: Mutation, snap: AgentSnapshot, at: datetime) -> None:
    """Store the agent's snapshot and update the core."""
    view = await m.get(AgentView, snap.agent_id)
    if view is not None and view.tenant_id != snap.tenant_id:
        return  # an id of another tenant: never cross tenants
    # No reordering by `at`: the agents service publishes each agent's events in commit order
    # on one key, and `at` is when a change took effect (a meeting's start), not when it was
    # decided, so a later event may carry an earlier `at`.
    if view is None:
        view = AgentView(agent_id=snap.agent_id, tenant_id=snap.tenant_id)
        m.add(view)
    for name, value in snap.model_dump(include=REPLICATED).items():
        setattr(view, name, value)
    view.queues = [q.model_dump(mode="json") for q in snap.queues]
    view.event_at = at
    await m.flush()
    await m.set_agent(view)
