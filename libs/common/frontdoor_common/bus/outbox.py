"""The transactional outbox: events are rows written in the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.bus.tables import outbox
from frontdoor_common.telemetry import current_traceparent


class Outbox:
    """Writes events into the outbox of the session's transaction; never commits."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._wakers: list[Callable[[], None]] = []

    def on_commit(self, waker: Callable[[], None]) -> None:
        """Call `waker` after a transaction that wrote events commits (wakes the relay)."""
        self._wakers.append(waker)

    async def add(self, session: AsyncSession, event: Event, *, tenant: str, at: datetime | None = None) -> Envelope:
        """Stage `event` for publication; it is published only if the transaction commits.
        `at` is the envelope's time (the service's clock; the wall clock if not given)."""
        envelope = Envelope.wrap(event, tenant=tenant, source=self.source, traceparent=current_traceparent(), at=at)
        await self.add_raw(
            session,
            event_id=envelope.id,
            topic=event.topic,
            key=envelope.subject,
            type_=envelope.type,
            tenant=tenant,
            payload=envelope.model_dump_json(),
            headers={"traceparent": envelope.traceparent} if envelope.traceparent else {},
        )
        return envelope

    async def add_many(
        self, session: AsyncSession, events: list[Event], *, tenant: str, at: datetime | None = None
    ) -> list[Envelope]:
        """Stage many events with one statement (bulk producers, backfills)."""
        traceparent = current_traceparent()
        envelopes = [
            Envelope.wrap(e, tenant=tenant, source=self.source, traceparent=traceparent, at=at) for e in events
        ]
        now = datetime.now(UTC)  # the relay's retention window runs on the wall clock
        headers = json.dumps({"traceparent": traceparent} if traceparent else {})
        await session.execute(
            insert(outbox),
            [
                {
                    "event_id": env.id,
                    "topic": e.topic,
                    "key": env.subject,
                    "type": env.type,
                    "tenant": tenant,
                    "payload": env.model_dump_json(),
                    "headers": headers,
                    "created_at": now,
                }
                for e, env in zip(events, envelopes, strict=True)
            ],
        )
        self._hook(session)
        return envelopes

    async def add_raw(
        self,
        session: AsyncSession,
        *,
        event_id: str,
        topic: str,
        key: str,
        type_: str,
        tenant: str,
        payload: str,
        headers: dict[str, Any] | None = None,
    ) -> None:
        """Stage an already-serialised message (dead letters use this)."""
        await session.execute(
            insert(outbox).values(
                event_id=event_id,
                topic=topic,
                key=key,
                type=type_,
                tenant=tenant,
                payload=payload,
                headers=json.dumps(headers or {}),
                created_at=datetime.now(UTC),
            )
        )
        self._hook(session)

    def _hook(self, session: AsyncSession) -> None:
        if not self._wakers or session.info.get("frontdoor_outbox_hooked"):
            return
        session.info["frontdoor_outbox_hooked"] = True
        sync_session = session.sync_session

        def _after_commit(_s: Any) -> None:
            session.info.pop("frontdoor_outbox_hooked", None)
            for wake in self._wakers:
                wake()

        sa_event.listen(sync_session, "after_commit", _after_commit, once=True)
