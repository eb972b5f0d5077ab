"""Key rotation of the messages' texts: every message's and reply's text re-encrypted with the newest
data key (`python -m frontdoor_members.reencrypt` calls it beside the national IDs)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.crypto import Vault
from frontdoor_members.messages.models import Message, MessageReply


async def _rotate(session: AsyncSession, vault: Vault, model: Any, batch: int) -> tuple[int, int]:
    changed = current = 0
    after: uuid.UUID | None = None
    while True:
        query = select(model).order_by(col(model.id)).limit(batch)
        if after is not None:
            query = query.where(col(model.id) > after)
        page = list(await session.scalars(query))
        if not page:
            return changed, current
        for row in page:
            rotated = vault.rotate(row.text_encrypted)
            if rotated is None:
                current += 1
            else:
                row.text_encrypted, changed = rotated, changed + 1
        after = page[-1].id
        await session.flush()


async def reencrypt_texts(session: AsyncSession, vault: Vault, batch: int = 500) -> tuple[int, int]:
    """Re-encrypt every message's and reply's text with the newest key; returns (changed, already current)."""
    messages = await _rotate(session, vault, Message, batch)
    replies = await _rotate(session, vault, MessageReply, batch)
    return messages[0] + replies[0], messages[1] + replies[1]
