"""Rotating the data keys re-encrypts the messages' texts: after it, the newest key alone reads them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet

from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.crypto import Vault
from frontdoor_members.messages.models import Message
from frontdoor_members.messages.rotation import reencrypt_texts
from frontdoor_members.settings import Settings
from frontdoor_members.testing import context_of, headers

FORM = {"name": "Astrid", "email": "astrid@example.org", "subject": "Dues", "text": "Charged twice in November."}


async def test_after_rotation_the_newest_key_alone_reads_every_text(make_settings: Callable[..., Any]) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings: Settings = make_settings(Settings, kafka_bootstrap_servers=None, data_keys=[old])
    app = create_app(settings)
    async with running_app(app) as client:
        created = (await client.post("/v1/messages", json=FORM, headers=headers())).json()
        r = await client.post(f"/v1/messages/{created['id']}/replies", json={"text": "Refunded."}, headers=headers())
        assert r.status_code == 201
        db = context_of(app).db
        async with db.transaction() as session:
            assert await reencrypt_texts(session, Vault([new, old]), batch=1) == (2, 0)
        async with db.transaction() as session:
            assert await reencrypt_texts(session, Vault([new, old])) == (0, 2)
            row = await session.get(Message, uuid.UUID(created["id"]))
            assert row is not None and Vault([new]).decrypt(row.text_encrypted) == FORM["text"]
