"""Message, mailbox and reply shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from frontdoor_members.members.schemas import MEMBER_NUMBER_PATTERN

MAX_FORM_TEXT = 65536
MAX_REPLY_TEXT = 20000
MAILBOX_NAME = r"^[a-z0-9][a-z0-9._-]{0,63}$"

MessageStatus = Literal["received", "answered"]
MessageChannel = Literal["email", "webform"]
MailStatus = Literal["pending", "sent", "failed"]
OneLine = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^\r\n\x00-\x1f\x7f\u2028\u2029\x85]*$")]


class MailboxPut(BaseModel):
    """PUT /v1/mailboxes/{name}: the whole mailbox (a field left out is cleared)."""

    address: EmailStr | None = Field(
        default=None, description="the intake address mail to which becomes this tenant's; none for a web form only"
    )
    reason: str | None = Field(default=None, max_length=100, description="one of the tenant's reasons, for routing")
    department_id: uuid.UUID | None = Field(default=None, description="the tenant's department, for routing")


class MailboxView(BaseModel):
    """One of the tenant's intake mailboxes or web forms."""

    id: uuid.UUID
    name: str
    address: str | None
    reason: str | None
    department_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class MessageCreate(BaseModel):
    """POST /v1/messages: a web form's message, sent on by the union's web site."""

    channel: Literal["webform"] = "webform"
    mailbox: str | None = Field(
        default=None, pattern=MAILBOX_NAME, description="the form (a mailbox of the tenant) it came through"
    )
    name: Annotated[OneLine, StringConstraints(min_length=1, max_length=200)] = Field(description="the sender's name")
    email: EmailStr = Field(description="where the reply goes; also identifies the member")
    member_number: str | None = Field(
        default=None, pattern=MEMBER_NUMBER_PATTERN, description="identifies the member when the address does not"
    )
    subject: Annotated[OneLine, StringConstraints(min_length=1, max_length=300)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FORM_TEXT)]
    reason: str | None = Field(
        default=None, max_length=100, description="one of the tenant's reasons, if the form asks"
    )


class MessageMemberLink(BaseModel):
    """POST /v1/messages/{id}/member: who an unidentified message is from."""

    member_id: uuid.UUID


class ReplyCreate(BaseModel):
    """POST /v1/messages/{id}/replies."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REPLY_TEXT)]
    agent_id: uuid.UUID | None = Field(default=None, description="the agent answering (routing ends their task)")


class AttachmentView(BaseModel):
    """An attachment's metadata (its content is not kept); a quarantined one is an executable or script."""

    filename: str | None
    content_type: str
    size: int
    quarantined: bool
    quarantine_reason: str | None = Field(description="extension, declared_type or content")


class ReplyView(BaseModel):
    """An agent's reply and where its mail is (pending while the relay has not taken it)."""

    id: uuid.UUID
    message_id: uuid.UUID
    text: str
    agent_id: uuid.UUID | None
    author: str
    created_at: datetime
    status: MailStatus = Field(description="pending, sent or failed (a mail being sent right now shows as pending)")
    attempts: int
    last_error: str | None = Field(description="the class of the last delivery error, never its text")
    sent_at: datetime | None
    mail_message_id: str = Field(description="the reply mail's Message-ID")
    dossier_entry_id: uuid.UUID | None


class ReplyStatus(BaseModel):
    """Where a reply's mail is, without its text (reading it discloses nothing: not audited)."""

    id: uuid.UUID
    message_id: uuid.UUID
    agent_id: uuid.UUID | None
    created_at: datetime
    status: MailStatus = Field(description="pending, sent or failed (a mail being sent right now shows as pending)")
    attempts: int
    last_error: str | None = Field(description="the class of the last delivery error, never its text")
    sent_at: datetime | None


class MessageSummary(BaseModel):
    """A message in a list (without its text)."""

    id: uuid.UUID
    channel: str
    mailbox: str | None
    sender_address: str
    sender_name: str | None
    member_id: uuid.UUID | None = Field(description="None: the sender is not identified (an unidentified contact)")
    identified_by: str | None = Field(description="email, member_number or agent")
    subject: str
    status: str
    reason: str | None
    department_id: uuid.UUID | None
    raw_size: int = Field(description="bytes as received")
    received_at: datetime
    answered_at: datetime | None
    dossier_entry_id: uuid.UUID | None


class MessageView(MessageSummary):
    """A message with its text, attachments and replies (reading it is audited)."""

    text: str
    text_truncated: bool = Field(description="the text was longer than the service keeps")
    attachments: list[AttachmentView]
    replies: list[ReplyView]
