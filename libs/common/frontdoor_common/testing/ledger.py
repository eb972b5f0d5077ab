"""A reference consumer for bus tests: a ledger that a duplicate would visibly corrupt."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import ConsumerRunner
from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.relay import OutboxRelay
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics

LEDGER = MetaData()
# What a consumer did: one row per event it applied, and a running total. A duplicate
# applied twice would show as a total larger than the number of rows.
applied = Table("applied", LEDGER, Column("event_id", String(64), primary_key=True), Column("amount", Integer))
total = Table("total", LEDGER, Column("name", String(20), primary_key=True), Column("value", Integer))


class Deposit(Event):
    """A test event: an amount into an account."""

    name = "test.deposit"
    topic = "frontdoor.test.v1"
    account: str
    amount: int = 1

    def key(self) -> str:
        return self.account


async def apply_deposit(session: AsyncSession, envelope: Envelope) -> None:
    """The consumer's effect: record the event and add to the running total (not idempotent by itself)."""
    event = Deposit.parse(envelope)
    if event.amount < 0:
        raise ValueError("negative deposits are poison")
    await session.execute(applied.insert().values(event_id=envelope.id, amount=event.amount))
    await session.execute(update(total).where(total.c.name == "all").values(value=total.c.value + event.amount))


async def ledger_state(db: Database) -> tuple[int, int]:
    """(rows applied, running total)."""
    async with db.transaction() as s:
        rows = len((await s.execute(select(applied.c.event_id))).all())
        value = int(await s.scalar(select(total.c.value).where(total.c.name == "all")) or 0)
    return rows, value


TOPICS = ["frontdoor.test.v1"]


def make_relay(db: Database, bus: KafkaBus, settings: ServiceSettings) -> OutboxRelay:
    """A relay for the test topic."""
    return OutboxRelay(db, bus, settings, Metrics("libtest"), topics=TOPICS)


def make_consumer(
    db: Database, bus: KafkaBus, settings: ServiceSettings, outbox: Outbox, name: str = "ledger"
) -> ConsumerRunner:
    """An inbox consumer applying deposits."""
    return ConsumerRunner(
        name, TOPICS, apply_deposit, db=db, settings=settings, bus=bus, metrics=Metrics("libtest"), outbox=outbox
    )
