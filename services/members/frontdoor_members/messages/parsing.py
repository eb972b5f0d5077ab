"""Reading a received mail: sender, subject, threading headers, the text, the attachments' metadata.

Pure and synchronous (the intake runs it in a thread: a large mail costs CPU). Nothing here trusts
the mail: every header is cut to its column's length and to one line, a body in an unknown charset
is decoded with replacement characters, an HTML-only body is reduced to its text, and the parts
read are bounded.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from frontdoor_members.messages.attachments import SNIFF_BYTES, quarantine_reason

MAX_PARTS = 200  # parts walked; the rest of a mail built to exhaust us is not read
MAX_ATTACHMENTS = 50  # attachments recorded
MAX_SUBJECT = 300
MAX_HEADER_ID = 300
MAX_REFERENCES = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\x85]")
_LINE_BREAKS = re.compile(r"[\r\n\t\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def _encodable(value: str) -> str:
    # raw 8-bit bytes in a header come out of the parser as lone surrogates, which no database and
    # no UTF-8 encoder takes: they become "?"
    return value.encode("utf-8", errors="replace").decode("utf-8")


def one_line(value: str, limit: int) -> str:
    """`value` on one line without control characters, at most `limit` characters."""
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", _encodable(value))).strip()[:limit]


def clean_text(value: str) -> str:
    """Text without NUL and other control characters but line breaks and tabs; lines end in \\n."""
    value = _encodable(value).replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value)


def plain_address(value: str | None) -> str | None:
    """One plain address (local@domain, no spaces, no list, no quotes), lower-cased, or None."""
    candidate = (value or "").strip().strip("<>").strip()
    if candidate.count("@") != 1 or len(candidate) > 320:
        return None
    if any(c.isspace() or c in ",;<>()\"'\\[]:" or ord(c) < 32 for c in candidate):
        return None
    local, domain = candidate.split("@")
    return candidate.casefold() if local and "." in domain and not domain.startswith(".") else None


class _Text(HTMLParser):
    """The text of an HTML body (scripts and styles dropped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr", "h1", "h2", "h3"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """What a reader of the HTML sees, as plain text."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment's metadata, and why it is quarantined (None: it is not)."""

    filename: str | None
    content_type: str
    size: int
    quarantine_reason: str | None


@dataclass(frozen=True)
class ParsedMail:
    """What the intake keeps of a mail."""

    sender_address: str | None
    sender_name: str | None
    subject: str
    header_message_id: str | None
    header_references: str | None
    dedup_key: str
    text: str
    text_truncated: bool
    raw_size: int
    attachments: list[AttachmentInfo] = field(default_factory=list)
    attachments_dropped: int = 0  # past MAX_ATTACHMENTS


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse: treat as absent
        return ""
    return str(value) if value is not None else ""


def _decoded(part: Message) -> str:
    """A text part's content; an unknown or lying charset decodes with replacement characters."""
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _sender(message: Message, envelope_from: str | None) -> tuple[str | None, str | None]:
    """The From header's (first) address and display name; the envelope's sender when it has none."""
    name, address = None, None
    raw = _header(message, "From")
    if raw:
        try:
            from_header = message["From"]
            addresses: tuple[Address, ...] = getattr(from_header, "addresses", ())
            if addresses:
                address, name = addresses[0].addr_spec, addresses[0].display_name
        except Exception:
            address = None
        if not address:
            pairs = getaddresses([raw])
            if pairs:
                name, address = pairs[0]
    if not plain_address(address):
        address = parseaddr(envelope_from or "")[1]
    return plain_address(address), (one_line(name, 200) or None) if name else None


def parse(raw: bytes, *, envelope_from: str | None, max_text_chars: int) -> ParsedMail:
    """Parse a received mail (RFC 5322 bytes); never raises on malformed input."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    sender_address, sender_name = _sender(message, envelope_from)
    subject = one_line(_header(message, "Subject"), MAX_SUBJECT)
    message_id = one_line(_header(message, "Message-ID"), MAX_HEADER_ID) or None
    references = one_line(_header(message, "References"), MAX_REFERENCES) or None

    body_part: Message | None = None
    if isinstance(message, EmailMessage):
        try:
            body_part = message.get_body(preferencelist=("plain", "html"))
        except Exception:
            body_part = None
    if body_part is None and not message.is_multipart() and message.get_content_maintype() == "text":
        body_part = message
    text = ""
    if body_part is not None:
        text = _decoded(body_part)
        if body_part.get_content_subtype() == "html":
            text = html_text(text)
    text = clean_text(text).strip()
    truncated = len(text) > max_text_chars
    text = text[:max_text_chars]

    attachments: list[AttachmentInfo] = []
    dropped = 0
    for index, part in enumerate(message.walk()):
        if index >= MAX_PARTS:
            dropped += 1
            break
        if part is body_part or part.is_multipart():
            continue
        if part is message and body_part is None and message.get_content_maintype() == "text":
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        try:
            filename = part.get_filename()
        except Exception:
            filename = None
        filename = one_line(filename, 200) or None if filename else None
        content_type = one_line(part.get_content_type(), 100)
        if (
            filename is None
            and part.get_content_maintype() == "text"
            and part.get_content_disposition() != "attachment"
        ):
            continue  # an alternative of the body (the HTML of a plain-text mail), not an attachment
        if len(attachments) >= MAX_ATTACHMENTS:
            dropped += 1
            continue
        reason = quarantine_reason(filename, content_type, content[:SNIFF_BYTES])
        attachments.append(AttachmentInfo(filename, content_type, len(content), reason))

    # the same mail delivered again: the same Message-ID and the same content. The Message-ID alone
    # is not enough (anyone may reuse a member's Message-ID to have their mail dropped as a copy).
    seen = "\x00".join([message_id or "", sender_address or "", subject, text, str(len(attachments))])
    dedup = "sha256:" + hashlib.sha256(seen.encode("utf-8", errors="replace")).hexdigest()
    return ParsedMail(
        sender_address=sender_address,
        sender_name=sender_name,
        subject=subject,
        header_message_id=message_id,
        header_references=references,
        dedup_key=dedup,
        text=text,
        text_truncated=truncated,
        raw_size=len(raw),
        attachments=attachments,
        attachments_dropped=dropped,
    )
