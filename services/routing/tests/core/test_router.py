"""The routing core's rules, one at a time (pure: no I/O, time is an argument)."""

from __future__ import annotations

from frontdoor_routing.core.model import MaxWaitReached, Offer, OverflowStep, QueueRules, RouterConfig, Withdrawn
from frontdoor_routing.core.router import Router


def _router(*rules: QueueRules, **config: float) -> Router:
    router = Router(RouterConfig(**config))
    for r in rules:
        router.set_queue(r)
    return router


def test_a_call_goes_to_the_agent_who_has_been_idle_longest() -> None:
    r = _router(QueueRules("q"))
    r.set_agent("early", {"q": 3}, True, now=0)
    r.set_agent("late", {"q": 3}, True, now=5)
    [offer] = r.enqueue("c1", "q", now=10)
    assert isinstance(offer, Offer) and offer.agent_id == "early" and offer.expires_at == 25


def test_the_proficiency_strategy_prefers_the_most_proficient_agent() -> None:
    r = _router(QueueRules("q", strategy="proficiency"))
    r.set_agent("novice", {"q": 1}, True, now=0)
    r.set_agent("expert", {"q": 5}, True, now=5)
    assert r.enqueue("c1", "q", now=10)[0].agent_id == "expert"


def test_a_free_agent_takes_the_call_that_waited_longest() -> None:
    r = _router(QueueRules("q"))
    r.set_agent("a", {"q": 3}, False, now=0)
    r.enqueue("c1", "q", now=1)
    r.enqueue("c2", "q", now=2)
    assert r.position("c2") == 2
    [offer] = r.set_agent("a", {"q": 3}, True, now=3)
    assert offer.call_id == "c1"


def test_priority_ages_so_a_low_priority_call_is_not_starved() -> None:
    r = _router(QueueRules("q"), seconds_per_priority=30)
    r.set_agent("a", {"q": 3}, False, now=0)
    r.enqueue("old-low", "q", now=0)
    r.enqueue("new-high", "q", now=20, priority=1)  # worth 30 s: jumps ahead of a 20 s wait
    r.enqueue("newer-high", "q", now=40, priority=1)  # 40 - 30 = 10 > 0: behind the old call
    assert [o.call_id for o in r.set_agent("a", {"q": 3}, True, now=41)] == ["new-high"]
    assert r.position("old-low") == 1 and r.position("newer-high") == 2


def test_after_the_overflow_threshold_agents_of_other_queues_may_take_the_call() -> None:
    r = _router(QueueRules("invoices", overflow=(OverflowStep(30, ("work",)),)), QueueRules("work"))
    r.set_agent("work-agent", {"work": 3}, True, now=0)
    assert r.enqueue("c1", "invoices", now=0) == []
    assert r.next_deadline() == 30
    assert r.advance(29.9) == []
    [offer] = r.advance(30)
    assert offer.agent_id == "work-agent" and offer.queue_id == "work"
    assert r.position("c1") == 1  # the caller kept their place in their own queue meanwhile


def test_an_offer_that_times_out_returns_the_call_and_the_agent_stops_drawing_calls() -> None:
    r = _router(QueueRules("q", offer_timeout=15))
    r.set_agent("absent", {"q": 3}, True, now=0)
    r.set_agent("present", {"q": 3}, False, now=0)
    [offer] = r.enqueue("c1", "q", now=1)
    assert offer.agent_id == "absent"
    assert r.advance(16) == [Withdrawn(offer.offer_id, "c1", "absent", "timeout")]
    [again] = r.set_agent("present", {"q": 3}, True, now=17)
    assert again.call_id == "c1"
    assert r.agent_status("absent") == "unavailable"


def test_a_rejected_call_is_never_offered_to_the_same_agent_again() -> None:
    r = _router(QueueRules("q"))
    r.set_agent("a", {"q": 3}, True, now=0)
    [offer] = r.enqueue("c1", "q", now=1)
    assert r.reject(offer.offer_id, now=2) == [Withdrawn(offer.offer_id, "c1", "a", "rejected")]
    r.set_agent("b", {"q": 3}, True, now=3)
    assert r.offer_of("c1") is not None


def test_wrap_up_keeps_the_agent_from_the_next_call_until_it_ends() -> None:
    r = _router(QueueRules("q", wrapup=20))
    r.set_agent("a", {"q": 3}, True, now=0)
    [offer] = r.enqueue("c1", "q", now=0)
    r.accept(offer.offer_id, now=1)
    r.enqueue("c2", "q", now=2)
    assert r.finish("a", now=60) == []
    ended, next_offer = r.advance(80)
    assert ended.call_id == "c1" and next_offer.call_id == "c2"


def test_a_known_member_waits_briefly_for_their_last_agent() -> None:
    r = _router(QueueRules("q"), preference_window=10)
    r.set_agent("known", {"q": 3}, False, now=0)
    r.set_agent("other", {"q": 3}, True, now=0)
    assert r.enqueue("c1", "q", now=0, preferred_agent="known") == []
    [offer] = r.set_agent("known", {"q": 3}, True, now=4)
    assert offer.agent_id == "known"


def test_after_the_preference_window_anyone_may_take_the_call() -> None:
    r = _router(QueueRules("q"), preference_window=10)
    r.set_agent("known", {"q": 3}, False, now=0)
    r.set_agent("other", {"q": 3}, True, now=0)
    r.enqueue("c1", "q", now=0, preferred_agent="known")
    [offer] = r.advance(10)
    assert offer.agent_id == "other"


def test_a_call_that_reaches_the_maximum_wait_leaves_the_queue() -> None:
    r = _router(QueueRules("q", max_wait=120))
    r.set_agent("a", {"q": 3}, False, now=0)
    r.enqueue("c1", "q", now=0)
    assert r.advance(120) == [MaxWaitReached("c1")]
    assert not r.has_call("c1")


def test_an_abandoned_call_that_was_offered_frees_the_agent_for_the_next_call() -> None:
    r = _router(QueueRules("q"))
    r.set_agent("a", {"q": 3}, True, now=0)
    [offer] = r.enqueue("c1", "q", now=0)
    r.enqueue("c2", "q", now=1)
    withdrawn, next_offer = r.remove_call("c1", now=2)
    assert withdrawn == Withdrawn(offer.offer_id, "c1", "a", "cancelled")
    assert next_offer.call_id == "c2" and next_offer.agent_id == "a"


def test_an_agent_who_went_away_during_a_call_gets_no_new_call_when_it_ends() -> None:
    r = _router(QueueRules("q"))
    r.set_agent("a", {"q": 3}, True, now=0)
    [offer] = r.enqueue("c1", "q", now=0)
    r.accept(offer.offer_id, now=1)
    r.enqueue("c2", "q", now=2)
    assert r.set_agent("a", {"q": 3}, False, now=3) == []
    [ended] = r.finish("a", now=4, wrapup=0)
    assert ended.call_id == "c1"
    assert r.position("c2") == 1 and r.offer_of("c2") is None
    [offer2] = r.set_agent("a", {"q": 3}, True, now=5)
    assert offer2.call_id == "c2"


def test_a_call_transferred_to_a_colleague_is_offered_to_them_even_outside_their_queues() -> None:
    r = _router(QueueRules("q"), QueueRules("other"))
    r.set_agent("idle-member", {"q": 3}, True, now=0)
    r.set_agent("colleague", {"other": 3}, True, now=5)
    [offer] = r.enqueue("c1", "q", now=10, arrived_at=1, offer_to="colleague")
    assert offer.agent_id == "colleague" and offer.queue_id == "q" and offer.expires_at == 25


def test_a_colleague_who_rejects_a_transferred_call_sends_it_back_to_its_place_in_the_queue() -> None:
    r = _router(QueueRules("q"))
    r.set_agent("member", {"q": 3}, False, now=0)
    r.set_agent("colleague", {}, True, now=0)
    r.enqueue("early", "q", now=1)
    r.enqueue("late", "q", now=5)
    [offer] = r.enqueue("moved", "q", now=10, arrived_at=3, offer_to="colleague")
    [withdrawn] = r.reject(offer.offer_id, now=12)
    assert isinstance(withdrawn, Withdrawn) and withdrawn.reason == "rejected"
    assert r.position("moved") == 2  # between the call that arrived before it and the one after
    [again] = r.set_agent("colleague", {"q": 3}, True, now=13)
    assert again.call_id == "early"  # never offered to the colleague who said no


def test_a_transferred_call_whose_colleague_lets_the_offer_time_out_waits_in_its_queue() -> None:
    r = _router(QueueRules("q", offer_timeout=15))
    r.set_agent("colleague", {}, True, now=0)
    [offer] = r.enqueue("moved", "q", now=10, offer_to="colleague")
    [withdrawn] = r.advance(offer.expires_at)
    assert isinstance(withdrawn, Withdrawn) and withdrawn.reason == "timeout"
    assert r.position("moved") == 1
    [taken] = r.set_agent("member", {"q": 3}, True, now=30)
    assert taken.call_id == "moved" and taken.agent_id == "member"


def test_a_call_transferred_to_a_busy_colleague_goes_to_the_queue_at_once() -> None:
    r = _router(QueueRules("q"))
    r.set_agent("colleague", {"q": 3}, True, now=0)
    r.enqueue("theirs", "q", now=1)  # the colleague is offered this one: busy for the transfer
    r.set_agent("member", {"q": 3}, True, now=2)
    [offer] = r.enqueue("moved", "q", now=10, offer_to="colleague")
    assert offer.agent_id == "member"
    assert r.enqueue("unknown", "q", now=11, offer_to="nobody") == []
    assert r.position("unknown") == 1
