"""The tenant's course feed: set, shown with its last run, removed; fetched by the worker through
safe_http (loopback refused unless the test setting allows it, a byte cap, no fetched content in
errors) and imported like a POSTed feed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from frontdoor_common.clock import ManualClock
from frontdoor_members.courses.feed_worker import CourseFeedWorker
from frontdoor_members.testing import OTHER_TENANT, context_of, headers

from .conftest import FeedServer, course_count, csv_feed, csv_row, ical_feed, vevent

SECRET = "SECRET-9c2e-intranet-page"
LOCAL = {"course_feed_allow_private": True, "course_feed_timeout_s": 2.0}


async def test_a_loopback_or_private_feed_url_is_refused_and_never_fetched(feeds_app: Callable[..., Any]) -> None:
    async with FeedServer() as srv, feeds_app() as (client, _app):
        srv.routes["/feed.csv"] = (200, "text/csv", SECRET.encode())
        for url in (
            srv.url("/feed.csv"),
            f"http://localhost:{srv.port}/feed.csv",
            "http://10.0.0.8/feed.csv",
            "http://169.254.169.254/latest/meta-data/",
            "file:///etc/passwd",
        ):
            r = await client.put("/v1/course-feed", json={"url": url, "format": "csv"}, headers=headers())
            assert (r.status_code, r.json()["error_id"], r.json()["field"]) == (422, "unsafe_url", "url"), r.text
        assert srv.connections == 0
        assert (await client.get("/v1/course-feed", headers=headers())).status_code == 404


async def test_a_feed_is_fetched_imported_and_its_last_run_shown(
    feeds_app: Callable[..., Any], clock: ManualClock
) -> None:
    async with FeedServer() as srv, feeds_app(**LOCAL) as (client, app):
        srv.routes["/kurs.ics"] = (200, "text/calendar", ical_feed(vevent("k1"), vevent("k2", "X-FRONTDOOR-SEATS:9")))
        body = {"url": srv.url("/kurs.ics"), "format": "ical", "refresh_minutes": 30, "default_seats": 4}
        r = await client.put("/v1/course-feed", json=body, headers=headers())
        assert r.status_code == 200, r.text
        assert (r.json()["last_run_at"], r.json()["next_run_at"]) == (None, "2026-11-25T12:00:00Z")
        worker = next(w for w in context_of(app).workers if isinstance(w, CourseFeedWorker))
        assert await worker.feeds.run_due() == 1
        feed = (await client.get("/v1/course-feed", headers=headers())).json()
        assert (feed["last_status"], feed["last_error"], feed["last_run_at"]) == ("ok", None, "2026-11-25T12:00:00Z")
        assert feed["next_run_at"] == "2026-11-25T12:30:00Z"
        assert feed["last_report"]["counts"]["created"] == 2
        seats = {c["title"]: c["seats"] for c in (await client.get("/v1/courses", headers=headers())).json()}
        assert seats == {"Kurs k1": 4, "Kurs k2": 9}
        assert await worker.feeds.run_due() == 0  # not due again before 12:30

        # the course system drops k2 and the server starts failing: reported, nothing cancelled
        srv.routes["/kurs.ics"] = (200, "text/calendar", ical_feed(vevent("k1")))
        clock.advance(timedelta(minutes=31))
        assert await worker.feeds.run_due() == 1
        feed = (await client.get("/v1/course-feed", headers=headers())).json()
        assert [m["uid"] for m in feed["last_report"]["missing"]] == ["k2"]
        assert feed["last_report"]["outcomes"] == []  # only what did something is kept
        srv.routes["/kurs.ics"] = (500, "text/plain", SECRET.encode())
        clock.advance(timedelta(minutes=31))
        assert await worker.feeds.run_due() == 1
        feed = (await client.get("/v1/course-feed", headers=headers())).json()
        assert (feed["last_status"], feed["last_error"]) == ("error", "http_status 500")
        assert await course_count(app) == 2
        # another tenant has no feed, and cannot run, see or remove this one
        other = headers(OTHER_TENANT)
        for method, url in (("GET", "/v1/course-feed"), ("DELETE", "/v1/course-feed"), ("POST", "/v1/course-feed/run")):
            r = await client.request(method, url, headers=other)
            assert (r.status_code, r.json()["error_id"]) == (404, "course_feed_not_found")
        assert (await client.delete("/v1/course-feed", headers=headers())).status_code == 204
        assert (await client.get("/v1/course-feed", headers=headers())).status_code == 404
        assert await course_count(app) == 2  # its courses stay


async def test_a_failed_run_keeps_a_fixed_code_never_the_fetched_content(feeds_app: Callable[..., Any]) -> None:
    async with FeedServer() as srv, feeds_app(**LOCAL, course_feed_max_bytes=100_000) as (client, _app):
        srv.routes["/page"] = (200, "text/html", f"<html>{SECRET}</html>".encode())
        srv.routes["/bad-row"] = (200, "text/csv", csv_feed(csv_row("x"), csv_row(SECRET, starts_at=SECRET)))
        for path, error in (
            ("/page", "bad_header at line 1"),
            ("/bad-row", "invalid_field at line 3 field starts_at"),
            ("/huge", "too_large"),
            ("/nothing-here", "http_status 404"),
        ):
            body = {"url": srv.url(path), "format": "csv"}
            assert (await client.put("/v1/course-feed", json=body, headers=headers())).status_code == 200
            r = await client.post("/v1/course-feed/run", headers=headers())
            assert r.status_code == 200, r.text
            assert (r.json()["last_status"], r.json()["last_error"]) == ("error", error)
            assert SECRET not in r.text


async def test_the_worker_runs_a_new_feed_on_its_own(feeds_app: Callable[..., Any]) -> None:
    async with FeedServer() as srv, feeds_app(**LOCAL, course_feed_check_interval_s=0.2) as (client, app):
        srv.routes["/kurs.csv"] = (200, "text/csv", csv_feed(csv_row("a"), csv_row("b")))
        body = {"url": srv.url("/kurs.csv"), "format": "csv", "source": "kursadmin"}
        assert (await client.put("/v1/course-feed", json=body, headers=headers())).status_code == 200
        for _ in range(100):
            feed = (await client.get("/v1/course-feed", headers=headers())).json()
            if feed["last_run_at"]:
                break
            await asyncio.sleep(0.1)
        assert feed["last_status"] == "ok" and feed["last_report"]["counts"]["created"] == 2
        assert feed["last_report"]["source"] == "kursadmin"
        assert srv.connections == 1  # once: not due again for an hour
        assert await course_count(app) == 2
        worker = next(w for w in context_of(app).workers if isinstance(w, CourseFeedWorker))
        assert worker.running and worker.healthy() and worker.rounds >= 1


async def test_feed_settings_are_bounded(feeds_app: Callable[..., Any]) -> None:
    async with feeds_app(**LOCAL) as (client, _app):
        for bad, field in (
            ({"url": "http://example.org/x.csv", "format": "xlsx"}, "format"),
            ({"url": "http://example.org/x.csv", "format": "csv", "refresh_minutes": 1}, "refresh_minutes"),
            ({"url": "http://example.org/x.csv", "format": "csv", "source": "BAD SOURCE"}, "source"),
            ({"url": "x" * 2001, "format": "csv"}, "url"),
            ({"url": "ftp://example.org/x.csv", "format": "csv"}, "url"),
        ):
            r = await client.put("/v1/course-feed", json=bad, headers=headers())
            assert (r.status_code, r.json()["field"]) == (422, field), r.text
