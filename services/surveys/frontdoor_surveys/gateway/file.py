"""The file gateway (the embedded default): outgoing SMS appended as JSON lines under var/."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from frontdoor_common.models import utcnow
from frontdoor_surveys.gateway.base import OutgoingMessage, SendReceipt


class FileGateway:
    """Writes each message as one JSON line; replies come in through POST /v1/sms/inbound."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def send(self, message: OutgoingMessage) -> SendReceipt:
        """Append the message to the file."""
        provider_id = f"file-{message.reference}"
        line = json.dumps(
            {
                "message_id": provider_id,
                "reference": str(message.reference),
                "tenant_id": message.tenant_id,
                "to": message.to,
                "from": message.sender,
                "text": message.body,
                "at": utcnow().isoformat(),
            },
            ensure_ascii=False,
        )
        async with self._lock:
            await asyncio.to_thread(self._append, line)
        return SendReceipt(provider_message_id=provider_id)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    async def close(self) -> None:
        """Nothing to release."""


def read_messages(path: Path) -> list[dict[str, str]]:
    """Every message the file gateway wrote so far (for operators and tests)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
