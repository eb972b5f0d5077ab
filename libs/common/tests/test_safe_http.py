"""safe_http against real HTTP servers on this machine: refused addresses, redirects, deadlines, caps."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator

import pytest

from frontdoor_common.safe_http import (
    FetchFailed,
    UnsafeUrl,
    address_refused,
    check_public_url,
    fetch_public,
    post_public,
)

SECRET = b"SECRET-readyz-metrics-openapi"


class Server:
    """A raw asyncio HTTP/1.1 server whose behaviour each path chooses; counts connections and bytes sent."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.connections = 0
        self.sent = 0
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.redirect_to = ""
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()
        self.sent += len(data)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append((method, path, headers, body))
            if path == "/secret":
                await self._send(writer, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(SECRET) + SECRET)
            elif path == "/host":
                h = headers.get("host", "").encode()
                await self._send(writer, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(h) + h)
            elif path == "/redirect":
                await self._send(
                    writer,
                    b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % self.redirect_to.encode(),
                )
            elif path == "/loop":
                await self._send(writer, b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n")
            elif path == "/drip":
                await self._send(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                while True:
                    await self._send(writer, b"x")
                    await asyncio.sleep(0.2)
            elif path == "/huge":  # no Content-Length: the size is only known by reading
                await self._send(writer, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                chunk = b"0" * 65536
                for _ in range(100_000):  # 6.5 GB if nobody stops reading
                    await self._send(writer, chunk)
            elif path == "/huge-declared":
                await self._send(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n")
                await self._send(writer, b"0" * 65536)
            elif path == "/missing":
                await self._send(writer, b"HTTP/1.1 404 Not Found\r\nContent-Length: 6\r\n\r\n" + SECRET[:6])
            elif path == "/echo":
                await self._send(writer, b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            else:
                await self._send(writer, b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    async with Server() as s:
        yield s


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.7",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "fec0::1",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",
        "64:ff9b::7f00:1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo around 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_refused(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert not address_refused(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1"])
def test_an_allow_list_never_opens_loopback_link_local_or_multicast(address: str) -> None:
    assert address_refused(ipaddress.ip_address(address), allow_private_range=True)


@pytest.mark.parametrize("address", ["10.0.0.1", "192.168.1.1", "fd00::2", "172.16.0.9"])
def test_an_allow_list_opens_private_ranges(address: str) -> None:
    assert not address_refused(ipaddress.ip_address(address), allow_private_range=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8003/readyz",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "webcal://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/",
        "http://0/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
    ],
)
async def test_check_public_url_refuses_non_public_hosts(url: str) -> None:
    with pytest.raises(UnsafeUrl) as caught:
        await check_public_url(url)
    assert caught.value.error_id == "unsafe_url"
    assert caught.value.status == 422
    assert caught.value.field == "url"


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/", "file:///etc/passwd", "gopher://8.8.8.8/", "8.8.8.8/", "http:///x"])
async def test_check_public_url_refuses_other_schemes_and_malformed_urls(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_public_url(url)


async def test_check_public_url_accepts_public_literals_and_webcal() -> None:
    await check_public_url("https://8.8.8.8/cal.ics")
    await check_public_url("webcal://[2606:4700:4700::1111]/cal.ics")


async def test_a_listed_host_may_be_private_but_not_loopback() -> None:
    await check_public_url("http://10.1.2.3/cal.ics", allow_hosts=frozenset({"10.1.2.3"}))
    with pytest.raises(UnsafeUrl):
        await check_public_url("http://10.1.2.4/cal.ics", allow_hosts=frozenset({"10.1.2.3"}))
    with pytest.raises(UnsafeUrl):
        await check_public_url("http://127.0.0.1/", allow_hosts=frozenset({"127.0.0.1"}))


async def test_a_loopback_server_is_never_contacted(server: Server) -> None:
    for host in ("127.0.0.1", "localhost"):
        with pytest.raises(UnsafeUrl) as caught:
            await fetch_public(server.url("/secret", host), max_bytes=1000, deadline_s=5)
        assert SECRET.decode() not in str(caught.value.problem())
        with pytest.raises(UnsafeUrl):
            await post_public(server.url("/echo", host), json={"a": 1}, deadline_s=5, max_response_bytes=100)
    assert server.connections == 0


async def test_allow_private_fetches_and_keeps_the_host_header(server: Server) -> None:
    body = await fetch_public(server.url("/host", "localhost"), max_bytes=1000, deadline_s=5, allow_private=True)
    assert body == f"localhost:{server.port}".encode()
    assert server.requests[0][2]["host"] == f"localhost:{server.port}"
    assert await fetch_public(server.url("/secret"), max_bytes=1000, deadline_s=5, allow_private=True) == SECRET


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.123", 9))  # no packet is sent: this only asks the routing table
            addr = str(s.getsockname()[0])
        except OSError:
            return None
    return None if ipaddress.ip_address(addr).is_loopback else addr


async def test_a_redirect_to_loopback_is_refused_on_the_hop() -> None:
    # The first hop is this machine's own non-loopback address, allowed by the tenant's list (a private
    # intranet host); it redirects to 127.0.0.1, which no list opens.
    local = _non_loopback_address()
    if local is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    async with Server("0.0.0.0") as srv:
        srv.redirect_to = srv.url("/secret", "127.0.0.1")
        allowed = frozenset({local})
        assert await fetch_public(srv.url("/host", local), max_bytes=100, deadline_s=5, allow_hosts=allowed)
        with pytest.raises(UnsafeUrl) as caught:
            await fetch_public(srv.url("/redirect", local), max_bytes=1000, deadline_s=5, allow_hosts=allowed)
        assert caught.value.reason == "refused_address"
        assert [r[1] for r in srv.requests] == ["/host", "/redirect"]  # /secret never requested


async def test_redirects_are_followed_up_to_the_limit(server: Server) -> None:
    server.redirect_to = "/secret"
    assert await fetch_public(server.url("/redirect"), max_bytes=100, deadline_s=5, allow_private=True) == SECRET
    with pytest.raises(FetchFailed) as caught:
        await fetch_public(server.url("/loop"), max_bytes=100, deadline_s=5, allow_private=True, max_redirects=3)
    assert caught.value.code == "too_many_redirects"
    assert len(server.requests) == 2 + 4


async def test_a_slow_drip_fails_at_the_total_deadline(server: Server) -> None:
    # The drip never ends and never pauses for a whole second: only a deadline for the whole exchange
    # stops it ("timeout"). The 30 s turn a per-read deadline's hang into a failure; not a speed claim.
    with pytest.raises(FetchFailed) as caught:
        fetch = fetch_public(server.url("/drip"), max_bytes=10_000_000, deadline_s=1.0, allow_private=True)
        await asyncio.wait_for(fetch, 30)
    assert caught.value.code == "timeout"


async def test_a_huge_body_stops_at_the_cap(server: Server) -> None:
    with pytest.raises(FetchFailed) as caught:
        await fetch_public(server.url("/huge"), max_bytes=1_000_000, deadline_s=10, allow_private=True)
    assert caught.value.code == "too_large"
    await asyncio.sleep(0.2)
    assert server.sent < 50_000_000  # the server could send far more; the client stopped reading
    with pytest.raises(FetchFailed) as caught:
        await fetch_public(server.url("/huge-declared"), max_bytes=1_000_000, deadline_s=10, allow_private=True)
    assert caught.value.code == "too_large"


async def test_an_error_status_is_a_code_without_the_body(server: Server) -> None:
    with pytest.raises(FetchFailed) as caught:
        await fetch_public(server.url("/missing"), max_bytes=100, deadline_s=5, allow_private=True)
    assert caught.value.code == "http_status 404"
    assert SECRET[:6].decode() not in str(caught.value) + str(caught.value.problem())


async def test_post_public_returns_status_and_a_bounded_body(server: Server) -> None:
    response = await post_public(
        server.url("/echo"), json={"to": "x"}, deadline_s=5, max_response_bytes=1000, allow_private=True
    )
    assert response.status_code == 201 and response.json() == {"to": "x"}
    response = await post_public(
        server.url("/echo"), content=b"a" * 5000, deadline_s=5, max_response_bytes=100, allow_private=True
    )
    assert response.truncated and len(response.content) == 100
    with pytest.raises(FetchFailed) as caught:
        await post_public(
            server.url("/drip"), content=b"", deadline_s=0.5, max_response_bytes=10**7, allow_private=True
        )
    assert caught.value.code == "timeout"


async def test_a_closed_port_is_a_connect_failure() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchFailed) as caught:
        await fetch_public(f"http://127.0.0.1:{port}/", max_bytes=10, deadline_s=5, allow_private=True)
    assert caught.value.code == "connect_failed"
