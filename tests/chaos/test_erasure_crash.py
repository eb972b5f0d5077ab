"""An erasure interrupted by crashes (issue 17): never half-done silently, completed after the restarts.

The platform runs as processes (the broker, the five services on SQLite). A member with a callback
is created; callbacks and surveys are killed with SIGKILL; the erasure is requested and members is
killed at once, before or while it does its own part. Members comes back and does its part (its
consumer's inbox and the request's outbox row survive the kill); the request says which services
have not answered (callbacks, surveys: pending), never `completed`. Callbacks and surveys come back,
do theirs, and the request completes, the callback anonymised.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import holidays
import httpx
import pytest
from chaos_platform import ChaosPlatform

pytestmark = pytest.mark.slow

RUN = uuid.uuid4().int % 10**6
MOBILE = f"+4746{RUN:06d}"
NUMBER = f"88{RUN:06d}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChaosPlatform]:
    plat = ChaosPlatform(Path(tmp_path_factory.mktemp("erasure-crash")))
    plat.start()
    try:
        yield plat
    finally:
        plat.stop()


def client(plat: ChaosPlatform, name: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"http://127.0.0.1:{plat.ports[name]}", headers={"Authorization": f"Bearer {plat.token}"}, timeout=10
    )


def ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201)), f"{response.request.url}: {response.text[:300]}"
    return response.json()


def until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except httpx.HTTPError:
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.2)


def open_all_day(plat: ChaosPlatform) -> None:
    """The tenant in UTC, open all day every day, in a country with no holiday today or the next two days."""
    today = datetime.now(UTC).date()
    country = next(
        c
        for c in ("NO", "DK", "NL", "SE", "FI")
        if not any(today + timedelta(days=d) in holidays.country_holidays(c) for d in range(3))
    )
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    with client(plat, "agents") as agents:
        ok(
            agents.put(
                "/v1/settings",
                json={
                    "timezone": "UTC",
                    "country": country,
                    "opening_hours": [{"days": days, "start": "00:00", "end": "23:59:59"}],
                },
            )
        )


def restart(plat: ChaosPlatform, name: str) -> None:
    plat.spawn(name)
    until(lambda: plat.ready(name), 120, f"{name} ready again")


def test_an_erasure_cut_by_kills_says_what_is_pending_and_completes_after_the_restarts(platform: ChaosPlatform) -> None:
    with client(platform, "members") as members, client(platform, "callbacks") as callbacks:
        member = ok(
            members.post(
                "/v1/members",
                json={
                    "first_name": "Sigrid",
                    "last_name": f"Krasj{RUN}",
                    "member_number": NUMBER,
                    "phones": [{"number": MOBILE, "kind": "mobile"}],
                },
            ),
            201,
        )
        queue = next(
            q["id"]
            for q in ok(
                httpx.get(
                    f"http://127.0.0.1:{platform.ports['routing']}/v1/queues",
                    headers={"Authorization": f"Bearer {platform.token}"},
                )
            )
        )
        open_all_day(platform)  # a callback's window must meet the queue's opening hours, whenever this runs
        start = datetime.now(UTC) + timedelta(days=1)
        body = {
            "source": "web",
            "number": MOBILE,
            "member_id": member["id"],
            "queue_id": queue,
            "reason": "wants to talk about overtime",
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=4)).isoformat(),
        }

        def requested() -> Any:  # callbacks learns the new hours from agents' event
            answer = callbacks.post("/v1/callbacks", json=body)
            return answer.json() if answer.status_code == 201 else None

        callback = until(requested, 60, "the callback (the queue open in its window)")

        platform.kill("callbacks")
        platform.kill("surveys")
        erasure = ok(members.post(f"/v1/members/{member['id']}/erasure", json={"note": "crash test"}), 202)
        platform.kill("members")  # at once: before or while it does its own part
        restart(platform, "members")

        def parts() -> dict[str, str]:
            view = ok(members.get(f"/v1/erasures/{erasure['erasure_id']}"))
            return {name: part["status"] for name, part in view["parts"].items()} | {"_": view["status"]}

        def three_done() -> dict[str, str] | None:
            now = parts()
            return now if all(now[s] == "done" for s in ("members", "routing", "agents")) else None

        half = until(three_done, 90, "members', routing's and agents' parts")
        # the services that were down have not answered: the request says so and is not completed
        assert half["callbacks"] == "pending" and half["surveys"] == "pending" and half["_"] == "in_progress", half
        assert members.get(f"/v1/members/{member['id']}").status_code == 404

        restart(platform, "callbacks")
        restart(platform, "surveys")
        done = until(lambda: parts() if parts()["_"] == "completed" else None, 90, "the erasure's completion")
        assert set(done.values()) == {"done", "completed"}, done
        view = ok(callbacks.get(f"/v1/callbacks/{callback['id']}"))
        assert MOBILE not in str(view) and NUMBER not in str(view) and "overtime" not in str(view)
        assert view["status"] == "cancelled"  # an erased member is never called back
