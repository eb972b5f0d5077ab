"""The intake's transport: at most `intake_max_connections` sessions (one more is told 421), and
STARTTLS required once a certificate is configured (production refuses an intake without one).

On a real aiosmtpd server (the members app's intake) and aiosmtplib clients over loopback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlmodel import func, select

from frontdoor_members.messages.models import Message
from frontdoor_members.settings import Settings
from frontdoor_members.testing import context_of

from .conftest import MAILBOX, add_mailbox, intake_port, mail


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "intake.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "tls.crt", directory / "tls.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


async def _stored(app: Any) -> int:
    async with context_of(app).db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Message)) or 0)


async def test_one_session_more_than_the_cap_is_told_421_and_a_freed_place_is_taken_again(
    messages_app: Callable[..., Any],
) -> None:
    async with messages_app(intake_max_connections=2) as (_client, app):
        port = intake_port(app)
        held = [aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10) for _ in range(2)]
        for smtp in held:
            await smtp.connect()
        extra = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10)
        with pytest.raises(aiosmtplib.SMTPConnectResponseError) as refused:
            await extra.connect()
        assert refused.value.code == 421
        await held[0].quit()
        again = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10)

        async def connects() -> bool:
            try:
                await again.connect()
            except aiosmtplib.SMTPConnectResponseError:
                return False
            return True

        for _ in range(50):  # the server sees the first session close a moment after QUIT
            if await connects():
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("a freed place was not taken again")
        await again.quit()
        await held[1].quit()
        assert context_of(app).intake.sessions == 0


async def test_with_a_certificate_mail_without_starttls_is_refused_and_with_it_is_stored(
    messages_app: Callable[..., Any], tmp_path: Path
) -> None:
    _self_signed(tmp_path)
    async with messages_app(intake_tls_dir=tmp_path) as (client, app):
        await add_mailbox(client)
        port = intake_port(app)
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await aiosmtplib.send(
                mail(),
                hostname="127.0.0.1",
                port=port,
                sender="bounces@example.org",
                recipients=[MAILBOX],
                start_tls=False,
                timeout=20,
            )
        assert refused.value.code == 530
        assert await _stored(app) == 0
        errors, answer = await aiosmtplib.send(
            mail(),
            hostname="127.0.0.1",
            port=port,
            sender="bounces@example.org",
            recipients=[MAILBOX],
            start_tls=True,
            validate_certs=False,
            timeout=20,
        )
        assert not errors and answer.startswith("2"), answer
        assert await _stored(app) == 1


def test_production_refuses_an_intake_without_tls() -> None:
    base: dict[str, Any] = {
        "environment": "production",
        "jwt_secret": "a-real-jwt-secret-from-the-vault-0123456789",
        "data_keys": [Fernet.generate_key().decode()],
        "seal_keys": [Fernet.generate_key().decode()],
        "subject_digest_key": secrets.token_hex(32),
    }
    with pytest.raises(ValueError, match="plain text"):
        Settings(**base, intake_smtp_port=2525)
    assert Settings(**base, intake_smtp_port=2525, intake_tls_dir=Path("/etc/frontdoor/intake-tls"))
    assert Settings(**base)  # no intake: nothing to protect
