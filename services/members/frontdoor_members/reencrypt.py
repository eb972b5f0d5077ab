"""`python -m frontdoor_members.reencrypt`: re-encrypt every national ID and message text with the newest data key.

Rotation: put the new key first in MEMBERS_DATA_KEYS (keep the old ones after it), restart,
run this, then drop the old keys.
"""

from __future__ import annotations

import asyncio
import json

from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_members.crypto import Vault
from frontdoor_members.members.personal_data import reencrypt
from frontdoor_members.messages.rotation import reencrypt_texts
from frontdoor_members.settings import Settings


async def run(settings: Settings) -> tuple[int, int]:
    """Re-encrypt in one transaction; returns (re-encrypted, already current)."""
    db = Database(settings.effective_database_url)
    try:
        await upgrade(db, "frontdoor_members:migrations", "members")
        async with db.transaction() as session:
            vault = Vault(settings.data_keys)
            changed, current = await reencrypt(session, vault)
            texts = await reencrypt_texts(session, vault)  # messages' and replies' texts
            return changed + texts[0], current + texts[1]
    finally:
        await db.dispose()


def main() -> None:
    """Command line entry point."""
    changed, current = asyncio.run(run(Settings()))
    print(json.dumps({"reencrypted": changed, "already_current": current}))


if __name__ == "__main__":
    main()
