"""Reading a received mail without trusting it: the sender, the text (an HTML-only body reduced to its
text, an unknown charset decoded with replacement characters, the cap), and which attachments are
quarantined (extension, declared type, first bytes), all pure."""

from __future__ import annotations

from email.message import EmailMessage

from frontdoor_members.messages.attachments import quarantine_reason
from frontdoor_members.messages.parsing import parse, plain_address


def raw(message: EmailMessage) -> bytes:
    return bytes(message)


def simple(text: str = "Hei, jeg har et spørsmål.", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.get("From", "Astrid <astrid@example.org>")
    message["To"] = "kontakt@union.example"
    message["Subject"] = headers.get("Subject", "Spørsmål")
    message["Message-ID"] = headers.get("Message_ID", "<a@example.org>")
    message.set_content(text)
    return message


def test_the_sender_subject_and_text_are_read_and_the_address_is_lower_cased() -> None:
    parsed = parse(raw(simple(From="Astrid <Astrid@Example.ORG>")), envelope_from=None, max_text_chars=1000)
    assert (parsed.sender_address, parsed.sender_name) == ("astrid@example.org", "Astrid")
    assert parsed.subject == "Spørsmål" and parsed.text == "Hei, jeg har et spørsmål."
    assert parsed.header_message_id == "<a@example.org>" and parsed.attachments == []


def test_a_from_without_a_usable_address_falls_back_to_the_envelope_sender() -> None:
    parsed = parse(raw(simple(From="undisclosed")), envelope_from="bounce@example.org", max_text_chars=1000)
    assert parsed.sender_address == "bounce@example.org"
    assert parse(raw(simple(From="undisclosed")), envelope_from="<>", max_text_chars=1000).sender_address is None


def test_an_html_only_mail_is_read_as_its_text_without_scripts() -> None:
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["Subject"] = "html"
    message.set_content("<p>Hello <b>there</b></p><script>alert(1)</script><p>Second</p>", subtype="html")
    parsed = parse(raw(message), envelope_from=None, max_text_chars=1000)
    assert "Hello there" in parsed.text and "Second" in parsed.text and "alert" not in parsed.text
    assert parsed.attachments == []


def test_an_unknown_charset_and_control_characters_do_not_stop_the_reading() -> None:
    body = (
        b"From: a@example.org\r\nSubject: =?bogus-charset?q?hi?=\r\nContent-Type: text/plain; charset=bogus-charset\r\n"
        b"\r\nhello\x00 \xff\xfe world\r\n"
    )
    parsed = parse(body, envelope_from=None, max_text_chars=1000)
    assert "hello" in parsed.text and "world" in parsed.text and "\x00" not in parsed.text


def test_the_text_is_cut_at_the_cap_and_says_so() -> None:
    parsed = parse(raw(simple("x" * 3000)), envelope_from=None, max_text_chars=1000)
    assert len(parsed.text) == 1000 and parsed.text_truncated and parsed.raw_size > 3000


def test_a_header_cannot_carry_a_line_break_into_what_is_stored() -> None:
    parsed = parse(raw(simple(Subject="a" * 400)), envelope_from=None, max_text_chars=1000)
    assert len(parsed.subject) == 300 and "\n" not in parsed.subject


def test_the_same_mail_again_has_the_same_key_and_another_text_with_its_message_id_another() -> None:
    first = parse(raw(simple()), envelope_from=None, max_text_chars=1000)
    again = parse(b"Received: from relay2\r\n" + raw(simple()), envelope_from=None, max_text_chars=1000)
    spoof = parse(raw(simple("Other words")), envelope_from=None, max_text_chars=1000)
    assert first.dedup_key == again.dedup_key != spoof.dedup_key


def test_programs_and_scripts_are_quarantined_by_name_type_or_first_bytes() -> None:
    assert quarantine_reason("setup.EXE", "application/octet-stream", b"") == "extension"
    assert quarantine_reason("tool.exe. ", "application/octet-stream", b"") == "extension"
    assert quarantine_reason("invoice\u202efdp.js", "text/plain", b"") == "extension"
    assert quarantine_reason("doc", "application/x-msdownload", b"") == "declared_type"
    assert quarantine_reason("letter.pdf", "application/pdf", b"\x7fELF\x02") == "content"
    assert quarantine_reason("notes.txt", "text/plain", b"#!/bin/sh\n") == "content"
    assert quarantine_reason("letter.pdf", "application/pdf", b"%PDF-1.7") is None
    assert quarantine_reason(None, "image/png", b"\x89PNG") is None


def test_attachments_in_an_attached_mail_are_checked_too() -> None:
    inner = simple()
    inner.add_attachment(b"MZ...", maintype="application", subtype="octet-stream", filename="x.scr")
    outer = simple("See the forwarded mail")
    outer.add_attachment(inner)
    parsed = parse(raw(outer), envelope_from=None, max_text_chars=1000)
    assert any(a.filename == "x.scr" and a.quarantine_reason == "extension" for a in parsed.attachments)
    assert parsed.text == "See the forwarded mail"


def test_plain_addresses_only() -> None:
    assert plain_address("A@B.example") == "a@b.example"
    for bad in ("a@b", "a b@c.example", "a@b.example,c@d.example", "", None, "<>", "a@@b.example"):
        assert plain_address(bad) is None


def test_raw_eight_bit_bytes_in_headers_and_body_come_out_as_storable_text() -> None:
    body = b"From: =?utf-8?q?x?= <a@example.org>\r\nSubject: Oppsigelse \xe6\xf8\xe5\r\n\r\nMvh \xc6rlig\x00\r\n"
    parsed = parse(body, envelope_from=None, max_text_chars=1000)
    for value in (parsed.subject, parsed.text, parsed.sender_name or ""):
        value.encode("utf-8")  # no lone surrogates left
    assert parsed.subject.startswith("Oppsigelse") and parsed.text.startswith("Mvh")
