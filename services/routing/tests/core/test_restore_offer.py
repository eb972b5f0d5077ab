"""Rebuilding a tenant after a failed change: an offer decided before stands again, as it was."""

from __future__ import annotations

from frontdoor_routing.core.model import QueueRules, Withdrawn
from frontdoor_routing.core.router import Router


def test_a_restored_offer_keeps_its_agent_and_deadline_and_times_out_as_before() -> None:
    r = Router()
    r.set_queue(QueueRules("q"))
    r.set_agent("a", {"q": 3}, False, now=0)
    r.set_agent("b", {"q": 3}, False, now=0)
    r.enqueue("c1", "q", now=1)
    r.enqueue("c2", "q", now=2)
    offer = r.restore_offer("c1", "a", "q", expires_at=20, now=5)
    assert offer is not None and offer.agent_id == "a" and offer.expires_at == 20
    assert r.agent_status("a") == "offered" and r.offer_of("c1") == offer.offer_id
    # the other agent coming back takes the next call, not the restored one
    [other] = r.set_agent("b", {"q": 3}, True, now=6)
    assert other.call_id == "c2"
    # a second offer of the same call, or to a busy agent, cannot stand
    assert r.restore_offer("c1", "b", "q", expires_at=30, now=6) is None
    assert r.next_deadline() == 20
    decisions = r.advance(20)
    assert any(isinstance(d, Withdrawn) and d.call_id == "c1" and d.reason == "timeout" for d in decisions)
