"""The forward's mail: rendered from `templates.py` with Jinja2, headers built only from one-line values.

A mail header must never carry a CR or LF from input (that would let input add headers or
recipients): `one_line` refuses them naming the field, before anything is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from jinja2 import Environment, StrictUndefined

from frontdoor_common.errors import InvalidInput
from frontdoor_members.forwards import templates
from frontdoor_members.members.models import Member
from frontdoor_members.tenants.models import Department

# Text mail: no autoescape (nothing here is HTML); undefined names fail loudly instead of vanishing.
_ENV = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
_SUBJECT = _ENV.from_string(templates.SUBJECT)
_BODY = _ENV.from_string(templates.BODY)

MAX_SUBJECT = 300


def one_line(value: str, field: str) -> str:
    """`value` if it holds no line break (CR, LF or another line separator), else a 422 naming `field`."""
    if any(c in value for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise InvalidInput(
            f"{field}: must be one line (no line breaks), it goes into a mail header.",
            error_id="line_break_in_header",
            field=field,
        )
    return value


def message_id(forward_id: uuid.UUID, domain: str) -> str:
    """A Message-ID stable per forward: a mail sent again after a crash is recognisably the same."""
    return f"<forward-{forward_id}@{domain}>"


@dataclass(frozen=True)
class RenderedMail:
    """What the outbox stores: recipient, subject and body."""

    to: str
    subject: str
    body: str


def render(
    *,
    forward_id: uuid.UUID,
    member: Member,
    phones: list[str],
    department: Department,
    reason: str,
    summary: str,
    deadline: date | None,
    author: str,
    forwarded_at: datetime,
) -> RenderedMail:
    """Render the forward's mail; 422 naming the field whose value would break a header."""
    to = one_line((department.email or "").strip(), "department_id")
    one_line(reason, "reason")
    one_line(member.member_number, "member_id")
    one_line(member.last_name, "member_id")
    subject = _SUBJECT.render(reason=reason, member=member)
    one_line(subject, "reason")  # belt and braces: the rendered header is one line too
    body = _BODY.render(
        forward_id=forward_id,
        member=member,
        phones=phones,
        department=department,
        reason=reason,
        summary=summary,
        deadline=deadline,
        author=author,
        forwarded_at=forwarded_at,
    )
    return RenderedMail(to=to, subject=subject[:MAX_SUBJECT], body=body)


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    created_at: datetime,
    in_reply_to: str | None = None,
    references: str | None = None,
) -> EmailMessage:
    """The MIME message sent for a stored mail (the email package folds and encodes the headers); a
    reply (`in_reply_to`) carries the threading headers and is a person's answer, not auto-generated."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(created_at)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = references or in_reply_to
    else:
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message
