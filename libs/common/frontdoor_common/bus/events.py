"""Typed events and the CloudEvents-style envelope they travel in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

_REGISTRY: dict[str, type[Event]] = {}


class Event(BaseModel):
    """Base of every event. Subclasses set `name`, `version`, `topic` and implement `key()`."""

    model_config = ConfigDict(frozen=True)

    name: ClassVar[str] = ""
    version: ClassVar[int] = 1
    topic: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            existing = _REGISTRY.get(cls.name)
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                raise TypeError(f"event name {cls.name!r} is already taken by {existing.__qualname__}")
            _REGISTRY[cls.name] = cls

    def key(self) -> str:
        """The aggregate id: the Kafka key, so one aggregate's events stay in order."""
        raise NotImplementedError

    @classmethod
    def parse(cls, envelope: Envelope) -> Any:
        """The typed event carried by an envelope of this type."""
        return cls.model_validate(envelope.data)


class Envelope(BaseModel):
    """CloudEvents 1.0 attributes plus `tenant` and the event's schema version."""

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    tenant: str
    subject: str
    schemaversion: int = 1
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    traceparent: str | None = None

    @classmethod
    def wrap(
        cls, event: Event, *, tenant: str, source: str, traceparent: str | None = None, at: datetime | None = None
    ) -> Envelope:
        """Put a typed event into an envelope (`at`: its time; now if not given)."""
        return cls(
            time=at or datetime.now(UTC),
            type=event.name,
            source=source,
            tenant=tenant,
            subject=event.key(),
            schemaversion=event.version,
            data=event.model_dump(mode="json"),
            traceparent=traceparent,
        )


def registered_events() -> dict[str, type[Event]]:
    """Every event class defined so far, by name: each subclass with a `name` registers itself
    when its module is imported (`import frontdoor_common.events` imports all of the platform's)."""
    return dict(_REGISTRY)


def event_catalogue(events: Mapping[str, type[Event]] | None = None) -> dict[str, Any]:
    """A machine-readable catalogue of the events' JSON Schemas, for BI pipelines: of `events`,
    or of every event class defined so far. This module imports no event module (they import
    it): for the platform's whole catalogue import `frontdoor_common.events` first, as
    `python -m frontdoor_devtools.catalogue` (`make catalogue`) does."""
    chosen = registered_events() if events is None else dict(events)
    catalogue = {}
    for name, cls in sorted(chosen.items()):
        catalogue[name] = {
            "topic": cls.topic,
            "version": cls.version,
            "key": "subject",
            "description": (cls.__doc__ or "").strip(),
            "schema": cls.model_json_schema(),
        }
    return {"envelope": Envelope.model_json_schema(), "events": catalogue}
