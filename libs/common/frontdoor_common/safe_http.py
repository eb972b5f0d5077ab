"""Outbound HTTP to addresses a tenant gave us (calendar feeds, SMS gateways), without SSRF.

Every request, and every redirect hop, resolves the host and refuses addresses that are not
public (loopback, link-local, private, unique-local, multicast, unspecified, reserved, shared,
documentation, and IPv4 addresses wrapped in IPv6: mapped, 6to4, Teredo, NAT64). The connection
goes to the address that was checked (the URL's host is replaced by the IP, the Host header and
TLS SNI keep the name, so certificates are still verified against the name): a DNS answer that
changes between the check and the connect cannot move the request. One deadline covers the whole
exchange (DNS, connect, every redirect, the body), bodies are streamed and stop at a byte cap, and
no error message ever carries the fetched content.

`allow_hosts` (a tenant's list of its own intranet hosts) lets a named host resolve to a private
or unique-local address; loopback, link-local (cloud metadata), unspecified and multicast stay
refused. `allow_private` switches the address check off; it exists for tests against loopback
servers and for an embedded default that is not a tenant's input.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

from frontdoor_common.errors import InvalidInput, ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CHUNK = 64 * 1024


class UnsafeUrl(InvalidInput):
    """The URL is not one we may fetch: wrong scheme, malformed, or its host is not a public address.

    `reason` is a fixed code: "bad_url", "scheme", "refused_address".
    """

    error_id = "unsafe_url"
    title = "Unsafe URL"

    def __init__(self, reason: str, detail: str | None = None, *, field: str | None = "url") -> None:
        super().__init__(detail or _UNSAFE_DETAIL.get(reason, "The URL may not be fetched."), field=field)
        self.reason = reason


_UNSAFE_DETAIL = {
    "bad_url": "The URL is not a valid absolute http(s) URL.",
    "scheme": "Only http, https and webcal URLs may be fetched.",
    "refused_address": "The URL's host is not a public address.",
}


class FetchFailed(ServiceError):
    """The fetch did not give a usable answer. `code` is fixed and never carries fetched content:
    "timeout", "too_large", "too_many_redirects", "dns_failed", "connect_failed", "http_status <n>"."""

    status = 502
    error_id = "fetch_failed"
    title = "Fetch failed"

    def __init__(self, code: str) -> None:
        super().__init__(f"Fetch failed: {code}")
        self.code = code


@dataclass(frozen=True)
class PublicResponse:
    """A response with a bounded body (`truncated` when the server sent more than the cap)."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    truncated: bool = False
    url: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The body decoded (as the charset says, else UTF-8, replacing what does not decode)."""
        charset = httpx.Headers(self.headers).get("content-type", "")
        encoding = "utf-8"
        for part in charset.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                encoding = value.strip('"')
        try:
            return self.content.decode(encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON."""
        import json as _json

        return _json.loads(self.content)

    @property
    def is_success(self) -> bool:
        """2xx."""
        return 200 <= self.status_code < 300


def _embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _never_allowed(ip: IPAddress) -> bool:
    """Addresses no allow-list opens: the host itself, link-local (cloud metadata), multicast, nothing."""
    return ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified


def address_refused(ip: IPAddress, *, allow_private_range: bool = False) -> bool:
    """True unless the address is public (or, with `allow_private_range`, private but not loopback/link-local)."""
    inner = _embedded_v4(ip)
    if inner is not None:  # the wrapper's own range says nothing; the address inside decides
        return address_refused(inner, allow_private_range=allow_private_range)
    if _never_allowed(ip):
        return True
    if allow_private_range:
        return bool(ip.is_reserved)
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return True
    return bool(ip.is_private or ip.is_reserved or not ip.is_global)


def _normalise(url: str) -> httpx.URL:
    if not isinstance(url, str) or len(url) > 8000:
        raise UnsafeUrl("bad_url")
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise UnsafeUrl("bad_url")
    scheme = scheme.lower()
    if scheme == "webcal":
        scheme = "https"
    if scheme not in ("http", "https"):
        raise UnsafeUrl("scheme")
    try:
        parsed = httpx.URL(f"{scheme}://{rest}")
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise UnsafeUrl("bad_url") from exc
    if not parsed.host or parsed.userinfo:
        raise UnsafeUrl("bad_url")
    return parsed


def _host_key(host: str) -> str:
    return host.lower().rstrip(".")


async def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchFailed("dns_failed") from exc
    out: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = str(sockaddr[0]).split("%", 1)[0]
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            continue
        if ip not in out:
            out.append(ip)
    if not out:
        raise FetchFailed("dns_failed")
    return out


async def _checked_addresses(url: httpx.URL, allow_hosts: frozenset[str], allow_private: bool) -> list[IPAddress]:
    """Resolve the URL's host; every address it resolves to must pass. Returns them, to connect to in order."""
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = await _resolve(url.host, port)
    if not allow_private:
        listed = _host_key(url.host) in {_host_key(h) for h in allow_hosts}
        for ip in addresses:
            if address_refused(ip, allow_private_range=listed):
                raise UnsafeUrl("refused_address")
    return addresses


async def check_public_url(url: str, *, allow_hosts: frozenset[str] = frozenset(), allow_private: bool = False) -> None:
    """Raise UnsafeUrl unless the URL is http(s)/webcal and its host resolves only to allowed addresses
    (FetchFailed("dns_failed") when it does not resolve)."""
    await _checked_addresses(_normalise(url), allow_hosts, allow_private)


def _pinned_request(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    ip: IPAddress,
    headers: Mapping[str, str] | None,
    json: Any = None,
    content: bytes | str | None = None,
) -> httpx.Request:
    """A request to the checked IP that still says the name in Host and TLS SNI."""
    target = url.copy_with(host=str(ip))
    hdrs = httpx.Headers(headers or {})
    hdrs["Host"] = url.netloc.decode("ascii")
    hdrs.setdefault("Accept-Encoding", "identity")
    extensions: dict[str, Any] = {}
    if url.scheme == "https":
        extensions["sni_hostname"] = url.host
    request = client.build_request(method, target, headers=hdrs, json=json, content=content, extensions=extensions)
    return request


async def _send_first(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    addresses: list[IPAddress],
    headers: Mapping[str, str] | None,
    json: Any = None,
    content: bytes | str | None = None,
) -> httpx.Response:
    """Send to the first checked address that accepts the connection (a name may resolve to ::1 and
    127.0.0.1, a server listen on one); anything after connecting is not retried."""
    for ip in addresses[:4]:
        request = _pinned_request(client, method, url, ip, headers, json=json, content=content)
        try:
            return await client.send(request, stream=True)
        except httpx.ConnectError:
            continue
        except httpx.HTTPError as exc:
            raise FetchFailed("connect_failed") from exc
    raise FetchFailed("connect_failed")


def _client() -> httpx.AsyncClient:
    # trust_env=False: a proxy from the environment would connect by name and undo the pinning.
    return httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=None)


async def _read_capped(response: httpx.Response, max_bytes: int, *, keep_prefix: bool = False) -> tuple[bytes, bool]:
    """(body, truncated): at most max_bytes are read; a declared larger body is refused unread unless the
    caller wants the prefix."""
    declared = response.headers.get("content-length")
    if not keep_prefix and declared is not None and declared.isdigit() and int(declared) > max_bytes:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            keep = max_bytes - (size - len(chunk))
            if keep > 0:
                chunks.append(chunk[:keep])
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False


async def fetch_public(
    url: str,
    *,
    max_bytes: int,
    deadline_s: float,
    allow_hosts: frozenset[str] = frozenset(),
    allow_private: bool = False,
    max_redirects: int = 3,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """GET a public URL's body (2xx only), following at most `max_redirects` redirects, each checked.

    Raises UnsafeUrl (refused before connecting) or FetchFailed (a fixed code, no fetched content)."""
    current = _normalise(url)
    try:
        async with asyncio.timeout(deadline_s), _client() as client:
            for _hop in range(max_redirects + 1):
                addresses = await _checked_addresses(current, allow_hosts, allow_private)
                response = await _send_first(client, "GET", current, addresses, headers)
                try:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchFailed(f"http_status {response.status_code}")
                        current = _normalise(urljoin(str(current), location))
                        continue
                    if not 200 <= response.status_code < 300:
                        raise FetchFailed(f"http_status {response.status_code}")
                    try:
                        body, truncated = await _read_capped(response, max_bytes)
                    except httpx.HTTPError as exc:
                        raise FetchFailed("connect_failed") from exc
                    if truncated:
                        raise FetchFailed("too_large")
                    return body
                finally:
                    await response.aclose()
            raise FetchFailed("too_many_redirects")
    except TimeoutError as exc:
        raise FetchFailed("timeout") from exc


async def post_public(
    url: str,
    *,
    json: Any = None,
    content: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    deadline_s: float,
    max_response_bytes: int,
    allow_hosts: frozenset[str] = frozenset(),
    allow_private: bool = False,
) -> PublicResponse:
    """POST to a public URL (redirects are not followed: a 3xx is returned as it is).

    The response body is read up to `max_response_bytes` (`truncated` says if there was more).
    Raises UnsafeUrl before connecting, FetchFailed on timeout or a failed connection."""
    target = _normalise(url)
    try:
        async with asyncio.timeout(deadline_s), _client() as client:
            addresses = await _checked_addresses(target, allow_hosts, allow_private)
            response = await _send_first(client, "POST", target, addresses, headers, json=json, content=content)
            try:
                try:
                    body, truncated = await _read_capped(response, max_response_bytes, keep_prefix=True)
                except httpx.HTTPError as exc:
                    raise FetchFailed("connect_failed") from exc
                return PublicResponse(
                    status_code=response.status_code,
                    headers=response.headers,
                    content=body,
                    truncated=truncated,
                    url=str(target),
                )
            finally:
                await response.aclose()
    except TimeoutError as exc:
        raise FetchFailed("timeout") from exc
