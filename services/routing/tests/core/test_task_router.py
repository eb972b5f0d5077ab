"""The task lane of the core: tasks offered with capacity, never blocked by calls."""

from __future__ import annotations

from frontdoor_routing.core.model import QueueRules
from frontdoor_routing.core.router import Router
from frontdoor_routing.core.tasks import TaskOffer, TaskQueueRules, TaskRouter, TaskWithdrawn


def lane(capacity: int = 3, timeout: float = 60.0) -> TaskRouter:
    tasks = TaskRouter(default_capacity=capacity)
    tasks.set_queue(TaskQueueRules("mail", offer_timeout=timeout))
    return tasks


def test_an_agent_holds_up_to_their_capacity_and_gets_the_next_task_when_one_is_done() -> None:
    tasks = lane(capacity=2)
    tasks.set_agent("ada", {"mail": 3}, True, 0.0)
    for n in range(3):
        tasks.enqueue(f"t{n}", "mail", float(n))
    for n in range(2):
        offer_id = tasks.offer_of(f"t{n}")
        assert offer_id is not None
        task_id, _next = tasks.accept(offer_id, 10.0)
        assert task_id == f"t{n}"
    assert tasks.load("ada") == 2 and tasks.waiting_count("mail") == 1 and tasks.offer_of("t2") is None
    decisions = tasks.remove_task("t0", 20.0)
    assert decisions == [TaskOffer(3, "t2", "ada", "mail", 80.0)]


def test_one_task_offer_at_a_time_the_next_waits_for_accept() -> None:
    tasks = lane()
    tasks.set_agent("ada", {"mail": 3}, True, 0.0)
    assert tasks.enqueue("t1", "mail", 1.0) == [TaskOffer(1, "t1", "ada", "mail", 61.0)]
    assert tasks.enqueue("t2", "mail", 2.0) == []
    _task, decisions = tasks.accept(1, 3.0)
    assert decisions == [TaskOffer(2, "t2", "ada", "mail", 63.0)]


def test_the_free_agent_holding_fewest_tasks_is_offered_first() -> None:
    tasks = lane()
    tasks.set_agent("ada", {"mail": 3}, True, 0.0)
    tasks.enqueue("t1", "mail", 1.0)
    tasks.accept(1, 2.0)  # ada holds one, and is free again (free the longest)
    tasks.set_agent("bo", {"mail": 3}, True, 5.0)  # bo holds none
    assert tasks.enqueue("t2", "mail", 6.0) == [TaskOffer(2, "t2", "bo", "mail", 66.0)]


def test_a_declined_task_is_never_offered_again_to_who_declined_it() -> None:
    tasks = lane()
    tasks.set_agent("ada", {"mail": 3}, True, 0.0)
    tasks.enqueue("t1", "mail", 1.0)
    assert tasks.reject(1, 2.0) == [TaskWithdrawn(1, "t1", "ada", "rejected")]
    assert tasks.waiting_count("mail") == 1
    assert tasks.set_agent("bo", {"mail": 3}, True, 3.0) == [TaskOffer(2, "t1", "bo", "mail", 63.0)]


def test_a_timed_out_task_offer_makes_the_agent_not_responding_until_they_are_available_again() -> None:
    tasks = lane(timeout=30.0)
    tasks.set_agent("ada", {"mail": 3}, True, 0.0)
    tasks.enqueue("t1", "mail", 0.0)
    assert tasks.next_deadline() == 30.0
    assert tasks.advance(30.0) == [TaskWithdrawn(1, "t1", "ada", "timeout")]
    assert tasks.enqueue("t2", "mail", 31.0) == []
    assert tasks.set_agent("ada", {"mail": 3}, True, 40.0) == [TaskOffer(2, "t1", "ada", "mail", 70.0)]


def test_zero_capacity_means_no_tasks_at_all() -> None:
    tasks = lane()
    tasks.set_agent("ada", {"mail": 3}, True, 0.0, capacity=0)
    assert tasks.enqueue("t1", "mail", 1.0) == []
    assert tasks.set_agent("ada", {"mail": 3}, True, 2.0, capacity=1) == [TaskOffer(1, "t1", "ada", "mail", 62.0)]


def test_calls_and_tasks_are_two_channels_of_the_same_agent() -> None:
    calls, tasks = Router(), lane()
    calls.set_queue(QueueRules("mail"))
    calls.set_agent("ada", {"mail": 3}, True, 0.0)
    tasks.set_agent("ada", {"mail": 3}, True, 0.0)
    [call_offer] = calls.enqueue("c1", "mail", 1.0)
    calls.accept(call_offer.offer_id, 2.0)  # on the phone
    assert tasks.enqueue("t1", "mail", 3.0) == [TaskOffer(1, "t1", "ada", "mail", 63.0)]  # still offered a task
    assert calls.enqueue("c2", "mail", 4.0) == [] and calls.waiting_count("mail") == 1  # at most one call
    calls.finish("ada", 5.0, 0.0)  # the call ends while the task offer is open: the next call comes
    assert calls.agent_status("ada") == "offered" and tasks.offer_of("t1") == 1
