"""The outbox and inbox tables every service's database carries (own metadata, own migrations)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text

BUS_METADATA = MetaData()

outbox = Table(
    "outbox",
    BUS_METADATA,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("type", String(200), nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("headers", Text, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_unsent", "sent_at", "id"),
    Index("ix_outbox_created_at", "created_at"),
)

inbox = Table(
    "inbox",
    BUS_METADATA,
    Column("consumer", String(120), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # processed | dead
    Column("processed_at", DateTime(timezone=True), nullable=False),
)
