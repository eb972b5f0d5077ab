"""The other services an access request (art. 15) gathers the member's data from."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import httpx

from frontdoor_common.events.privacy import ERASURE_SERVICES

# every service holding members' data but members itself (the console holds none)
PEER_SERVICES: tuple[str, ...] = tuple(s for s in ERASURE_SERVICES if s != "members")

# each service's part of an access request (the common privacy router's, NDJSON)
EXPORT_PATH = "/internal/v1/personal-data/members/{member_id}"


@dataclass
class Peers:
    """Where the peers are (FRONTDOOR_<NAME>_URL, as the launcher and the k8s manifests set them) and
    how long each may take: `read_timeout_s` between two chunks, `total_s` for its whole part."""

    urls: dict[str, str] = field(default_factory=dict)
    transport: httpx.AsyncBaseTransport | None = None  # tests answer in-process
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    total_s: float = 60.0

    @classmethod
    def from_environment(cls) -> Peers:
        return cls(urls={name: os.environ.get(f"FRONTDOOR_{name.upper()}_URL", "") for name in PEER_SERVICES})

    def client(self) -> httpx.AsyncClient:
        """A client for one access request (closed with it)."""
        timeout = httpx.Timeout(self.read_timeout_s, connect=self.connect_timeout_s)
        return httpx.AsyncClient(transport=self.transport, timeout=timeout, follow_redirects=False)
