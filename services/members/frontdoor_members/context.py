"""The members service's composition root: the typed parts its routes, consumer and seed share.

Built once per process by the service's lifespan (`builder(settings, clock)` is the spec's
`parts`), after the database, the bus and the outbox relay. Routes reach it through
`ContextDep`, the consumer and the seed are handed it. Tests swap parts by argument:
`create_app(settings, clock=ManualClock(...))`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.service import Parts, Runtime, parts_dependency
from frontdoor_common.workers import Worker
from frontdoor_members.courses.feed_worker import CourseFeedWorker
from frontdoor_members.courses.notifier import CoursesNotifier
from frontdoor_members.crypto import Vault
from frontdoor_members.forwards.escalation import Escalator
from frontdoor_members.forwards.notifier import ForwardsNotifier
from frontdoor_members.forwards.sender import MailSender
from frontdoor_members.forwards.service import ForwardRules, MailQueue
from frontdoor_members.keywords.worker import KeywordWorker
from frontdoor_members.members.phone_index import PhoneIndex
from frontdoor_members.messages.intake import IntakeServer
from frontdoor_members.messages.notifier import MessagesNotifier
from frontdoor_members.notifier import MembersNotifier, SealerMissing
from frontdoor_members.privacy.peers import Peers
from frontdoor_members.settings import Settings


@dataclass(kw_only=True)
class MembersContext(Parts):
    """What the members service is built of: its settings, the one clock, the vault that holds
    the data keys, the notifier that publishes its events, the forwards' mail queue, notifier and
    workers (mail sender, follow-up escalator), the keyword worker, the courses' notifier, and the
    runtime underneath; the peers an access request asks for their part of it."""

    runtime: Runtime
    settings: Settings
    clock: Clock
    vault: Vault
    notifier: MembersNotifier
    forwards_notifier: ForwardsNotifier
    courses_notifier: CoursesNotifier
    messages_notifier: MessagesNotifier
    intake: IntakeServer  # the SMTP intake of members' emails (a worker; it listens only with a port set)
    forward_rules: ForwardRules
    mail_queue: MailQueue  # queues mail in the caller's transaction; wakes the sender once that commits
    mail_sender: MailSender
    escalator: Escalator
    keyword_worker: KeywordWorker  # extracts the keywords of notes and remarks written without them
    phone_index: PhoneIndex | None  # caller lookup from memory (issue 18); None: MEMBERS_LOOKUP_INDEX=false
    # the other services an access request gathers lines from (FRONTDOOR_<NAME>_URL); tests swap the transport
    peers: Peers = field(default_factory=Peers.from_environment)
    # contacts expire by comparison with the clock; the forwards' mail and follow-ups have workers
    workers: list[Worker] = field(default_factory=list)

    @property
    def db(self) -> Database:
        """The service's database."""
        return self.runtime.db


def builder(settings: Settings, clock: Clock) -> Callable[[Runtime], Awaitable[MembersContext]]:
    """The spec's `parts`: builds the context on the lifespan's runtime."""

    async def build(runtime: Runtime) -> MembersContext:
        # members' events' personal fields are sealed (issue 17): the runtime's sealer and unsealer
        # go to the one members notifier, which the workers publishing members' events are handed
        if runtime.sealer is None or runtime.unsealer is None:  # the runtime builds them before the parts
            raise SealerMissing("the runtime has no sealer: members' events cannot be sealed")
        notifier = MembersNotifier(runtime.outbox, clock, runtime.sealer, runtime.unsealer)
        forwards_notifier = ForwardsNotifier(runtime.outbox, clock)
        mail_queue = MailQueue()
        sender = MailSender(db=runtime.db, settings=settings, clock=clock)
        mail_queue.on_commit(sender.wake)
        escalator = Escalator(
            db=runtime.db, clock=clock, notifier=forwards_notifier, interval_s=settings.followup_check_interval_s
        )
        keyword_worker = KeywordWorker(db=runtime.db, settings=settings, clock=clock)
        # a dossier entry announces itself (members.dossier.entry_added): its keywords need not wait
        # for the worker's interval
        runtime.outbox.on_commit(keyword_worker.wake)
        intake = IntakeServer.build(runtime, settings, clock, notifier)
        phone_index = (
            PhoneIndex(
                runtime.db,
                clock,
                default_country=settings.default_country,
                interval_s=settings.lookup_index_poll_s,
            )
            if settings.lookup_index
            else None
        )
        return MembersContext(
            runtime=runtime,
            settings=settings,
            clock=clock,
            vault=Vault(settings.data_keys),
            notifier=notifier,
            forwards_notifier=forwards_notifier,
            courses_notifier=CoursesNotifier(runtime.outbox, clock),
            messages_notifier=MessagesNotifier(runtime.outbox, clock),
            forward_rules=ForwardRules(
                mail_domain=settings.mail_from.rpartition("@")[2] or "frontdoor.local",
                lead_working_days=settings.followup_lead_working_days,
                default_country=settings.default_country,
                default_timezone=settings.default_timezone,
            ),
            mail_queue=mail_queue,
            mail_sender=sender,
            escalator=escalator,
            keyword_worker=keyword_worker,
            intake=intake,
            phone_index=phone_index,
            workers=[
                sender,
                escalator,
                keyword_worker,
                intake,
                CourseFeedWorker.build(runtime, settings, clock, notifier),
                *([phone_index] if phone_index is not None else []),
            ],
        )

    return build


ContextDep = Annotated[MembersContext, Depends(parts_dependency(MembersContext))]
