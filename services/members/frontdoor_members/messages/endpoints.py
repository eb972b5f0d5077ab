"""Messages, replies and mailboxes over HTTP. Thin: parse, call the service, return the view."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from frontdoor_common.notifier import snapshot
from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import Configurer, PageDep, Reader, RequestIdDep, Writer
from frontdoor_members.forwards.models import OutgoingMail
from frontdoor_members.messages import forms, mailboxes, service
from frontdoor_members.messages.models import Mailbox, Message, MessageReply
from frontdoor_members.messages.schemas import (
    MAILBOX_NAME,
    AttachmentView,
    MailboxPut,
    MailboxView,
    MessageChannel,
    MessageCreate,
    MessageMemberLink,
    MessageStatus,
    MessageSummary,
    MessageView,
    ReplyCreate,
    ReplyStatus,
    ReplyView,
)

router = APIRouter(tags=["messages"])
MailboxName = Annotated[str, Path(pattern=MAILBOX_NAME, description="the mailbox's or form's name, e.g. kontakt")]


def _summary(row: Message) -> MessageSummary:
    return MessageSummary.model_validate(row, from_attributes=True)


def _reply_view(reply: MessageReply, mail: OutgoingMail, text: str) -> ReplyView:
    return snapshot(
        ReplyView,
        reply,
        text=text,
        status="pending" if mail.status == "sending" else mail.status,
        attempts=mail.attempts,
        last_error=mail.last_error,
        sent_at=mail.sent_at,
        mail_message_id=mail.message_id,
    )


def _view(opened: service.Opened) -> MessageView:
    return snapshot(
        MessageView,
        opened.message,
        text=opened.text,
        attachments=[AttachmentView.model_validate(a, from_attributes=True) for a in opened.attachments],
        replies=[_reply_view(*r) for r in opened.replies],
    )


def _mailbox_view(row: Mailbox) -> MailboxView:
    return MailboxView.model_validate(row, from_attributes=True)


@router.post("/v1/messages", response_model=MessageView, status_code=201, summary="A web form's message")
async def create_message(body: MessageCreate, session: SessionDep, ctx: ContextDep, principal: Writer) -> MessageView:
    """The union's web site sends on a member's form: stored, identified by its address or member
    number (or left unidentified), announced to routing as a task. 422 names `mailbox` or `reason`
    when the tenant has no such form or reason."""
    row = await forms.submit(
        session,
        principal,
        ctx.vault,
        ctx.messages_notifier,
        ctx.notifier,
        body,
        now=ctx.clock.now(),
        default_country=ctx.settings.default_country,
    )
    return _view(service.Opened(row, ctx.vault.decrypt(row.text_encrypted), [], []))


@router.get("/v1/messages", response_model=list[MessageSummary], summary="The tenant's messages")
async def list_messages(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    status: Annotated[MessageStatus | None, Query(description="received or answered")] = None,
    member_id: Annotated[uuid.UUID | None, Query(description="one member's messages")] = None,
    channel: Annotated[MessageChannel | None, Query(description="email or webform")] = None,
) -> list[MessageSummary]:
    """Messages newest first, without their text."""
    rows = await service.page(
        session,
        principal.tenant_id,
        status=status,
        member_id=member_id,
        channel=channel,
        offset=page.offset,
        limit=page.limit,
    )
    return [_summary(r) for r in rows]


@router.get("/v1/messages/{message_id}", response_model=MessageView, summary="One message, with its text")
async def get_message(
    message_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Reader, request_id: RequestIdDep
) -> MessageView:
    """The text, the attachments' metadata (quarantined ones flagged; no content is kept) and the
    replies with their mail's status. Reading an identified member's message is audited. 404 for
    another tenant's."""
    opened = await service.read(session, principal, ctx.vault, message_id, request_id=request_id, now=ctx.clock.now())
    return _view(opened)


@router.get("/v1/messages/{message_id}/replies", response_model=list[ReplyStatus], summary="Where the replies' mail is")
async def list_replies(message_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[ReplyStatus]:
    """Each reply's mail status (pending, sent, failed), oldest first, without its text: what a desk
    polls while a reply is sent. Nothing personal is read, so nothing is audited. 404 for another
    tenant's message."""
    rows = await service.reply_statuses(session, principal.tenant_id, message_id)
    return [
        snapshot(
            ReplyStatus,
            reply,
            status="pending" if mail.status == "sending" else mail.status,
            attempts=mail.attempts,
            last_error=mail.last_error,
            sent_at=mail.sent_at,
        )
        for reply, mail in rows
    ]


@router.post("/v1/messages/{message_id}/replies", response_model=ReplyView, status_code=201, summary="Reply by email")
async def create_reply(
    message_id: uuid.UUID, body: ReplyCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> ReplyView:
    """Queue the reply to the sender (In-Reply-To and References set), mark the message answered and
    write both in the member's dossier. The mail leaves in the background: `status` pending until the
    relay took it. 409 when the message has no address to reply to; 404 for another tenant's."""
    reply, mail, _row = await service.reply(
        session,
        principal,
        ctx.vault,
        ctx.messages_notifier,
        ctx.notifier,
        ctx.mail_queue,
        message_id,
        body.text,
        body.agent_id,
        mail_domain=ctx.forward_rules.mail_domain,
        now=ctx.clock.now(),
    )
    return _reply_view(reply, mail, mail.body)


@router.post("/v1/messages/{message_id}/member", response_model=MessageSummary, summary="Name the sender")
async def link_member(
    message_id: uuid.UUID, body: MessageMemberLink, session: SessionDep, ctx: ContextDep, principal: Writer
) -> MessageSummary:
    """An unidentified message is the member's: it and its replies go in their dossier. 422 naming
    `member_id` for no such member; 409 when it is already another member's."""
    row = await service.link_member(
        session, principal, ctx.vault, ctx.notifier, message_id, body.member_id, now=ctx.clock.now()
    )
    return _summary(row)


@router.put(
    "/v1/mailboxes/{name}",
    response_model=MailboxView,
    summary="Set an intake mailbox or web form",
    responses={201: {"model": MailboxView, "description": "The mailbox was created"}},
)
async def put_mailbox(
    name: MailboxName, body: MailboxPut, session: SessionDep, ctx: ContextDep, principal: Configurer, response: Response
) -> MailboxView:
    """Mail to `address` becomes this tenant's message (the SMTP intake refuses other recipients);
    `reason` and `department_id` go to routing with each message. 201 when created. 409 naming
    `address` when another mailbox has it."""
    row, created = await mailboxes.put(
        session, principal.tenant_id, name, body, now=ctx.clock.now(), default_country=ctx.settings.default_country
    )
    response.status_code = 201 if created else 200
    return _mailbox_view(row)


@router.get("/v1/mailboxes", response_model=list[MailboxView], summary="The tenant's mailboxes and forms")
async def list_mailboxes(session: SessionDep, principal: Reader, page: PageDep) -> list[MailboxView]:
    """By name."""
    return [
        _mailbox_view(r)
        for r in await mailboxes.page(session, principal.tenant_id, offset=page.offset, limit=page.limit)
    ]


@router.delete("/v1/mailboxes/{name}", status_code=204, summary="Remove a mailbox or form")
async def delete_mailbox(name: MailboxName, session: SessionDep, principal: Configurer) -> Response:
    """Mail to its address is refused from now on; the messages it received stay. 404 for none."""
    await mailboxes.remove(session, principal.tenant_id, name)
    return Response(status_code=204)
