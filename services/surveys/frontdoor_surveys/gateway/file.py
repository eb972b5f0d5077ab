"""The file gateway (the embedded default): outgoing SMS appended as JSON lines under var/."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from frontdoor_common.clock import Clock
from frontdoor_surveys.gateway.base import OutgoingMessage, SendReceipt


class FileGateway:
    """Writes each message as one JSON line; replies come in through POST /v1/sms/inbound.

    Like a provider deduplicating on our reference, a message already in the file is not written
    again: the sender may send twice (killed after the write, before recording it).
    """

    name = "file"

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock
        self._lock = asyncio.Lock()
        self._written: set[str] | None = None  # references in the file, read once

    async def send(self, message: OutgoingMessage) -> SendReceipt:
        """Append the message to the file (once per reference)."""
        provider_id = f"file-{message.reference}"
        reference = str(message.reference)
        line = json.dumps(
            {
                "message_id": provider_id,
                "reference": reference,
                "tenant_id": message.tenant_id,
                "to": message.to,
                "from": message.sender,
                "text": message.body,
                "at": self.clock.now().isoformat(),
            },
            ensure_ascii=False,
        )
        async with self._lock:
            if self._written is None:
                self._written = await asyncio.to_thread(self._references)
            if reference not in self._written:
                await asyncio.to_thread(self._append, line)
                self._written.add(reference)
        return SendReceipt(provider_message_id=provider_id)

    def _references(self) -> set[str]:
        """The references already written; a line cut short by a crash is ended first."""
        if not self.path.exists():
            return set()
        raw = self.path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            with self.path.open("ab") as f:
                f.write(b"\n")
        found = set()
        for line in raw.decode("utf-8", errors="replace").splitlines():
            try:
                found.add(str(json.loads(line)["reference"]))
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash
        return found

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
    messages = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash
    return messages
