"""OpenID Connect sign-in against a real provider process (oidc-provider-mock, PKCE required)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from console_helpers import Stage, console_settings, ok, served_in_thread
from cryptography.fernet import Fernet

from frontdoor_common.bus.broker import free_port
from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_console.app import create_app

OTHER_TENANT = "00000000-0000-4000-8000-0000000000b2"
PROVIDER = Path(__file__).resolve().parents[1] / "oidc_provider.py"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The identity provider, as a process of its own."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(PROVIDER), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the OpenID provider did not start"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def user(provider: str, sub: str, **claims: Any) -> str:
    """A user at the provider, with these claims in their ID token."""
    assert httpx.put(f"{provider}/users/{sub}", json=claims).status_code == 204
    return sub


def english(client: httpx.Client, csrf: str) -> None:
    """Choose English (the demo tenant's own language may be another)."""
    chosen = client.post("/preferences/language", data={"locale": "en", "csrf_token": csrf, "next": "/"})
    assert chosen.status_code == 303


def csrf_of(html: str) -> str:
    """The session's CSRF token, from a page."""
    return html.split('"X-CSRF-Token": "')[1].split('"')[0]


def sign_in(client: httpx.Client, provider: str, sub: str, next_path: str = "/wallboard") -> httpx.Response:
    """The whole dance: console -> provider (the user picks who they are) -> console's callback."""
    start = client.get(f"/signin/oidc?next={next_path}")
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0]
    back = httpx.post(authorize, data={"sub": sub})
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["location"])
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture(scope="module")
def oidc_console(platform: Stage, provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A console signing users in at the provider (and, being a test deployment, minting service tokens)."""
    settings = console_settings(
        platform,
        tmp_path_factory.mktemp("oidc-console"),
        oidc_issuer=provider,
        oidc_client_id="frontdoor-console",
        oidc_client_secret="test-client-secret",
        dev_signin=False,
    )
    with served_in_thread(create_app(settings)) as base:
        yield base


def test_sign_in_through_the_provider_with_pkce_maps_tenant_agent_and_role(
    oidc_console: str, provider: str, api: Stage
) -> None:
    kari = api.people()["Kari"]
    sub = user(
        provider,
        "kari.n",
        name="Kari Nordmann",
        tenant=DEMO_TENANT_ID,
        roles=["agent", "supervisor"],
        frontdoor_agent_id=kari,
    )
    with httpx.Client(base_url=oidc_console) as client:
        done = sign_in(client, provider, sub)
        assert (done.status_code, done.headers["location"]) == (303, "/wallboard")
        cookie = done.headers["set-cookie"].lower()
        assert "fd_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        english(client, csrf_of(client.get("/wallboard").text))
        wall = client.get("/wallboard")
        assert wall.status_code == 200
        assert "Kari Nordmann" in wall.text and "Supervisor" in wall.text
        desk = client.get("/desk")  # the claim links her to her agent: the desk is hers
        assert desk.status_code == 200 and 'id="status-panel"' in desk.text
        # The state was used once: the same callback again gives no second session.
        callback = done.request.url
        replay = httpx.get(str(callback), follow_redirects=False)
        assert replay.headers["location"].startswith("/signin?error=")


def test_a_callback_in_another_browser_is_refused(oidc_console: str, provider: str) -> None:
    sub = user(provider, "lena.b", name="Lena", tenant=DEMO_TENANT_ID, roles=["supervisor"])
    with httpx.Client(base_url=oidc_console) as starter:
        start = starter.get("/signin/oidc")
        back = httpx.post(start.headers["location"], data={"sub": sub})
    callback = urlsplit(back.headers["location"])
    with httpx.Client(base_url=oidc_console) as other:  # no login cookie from the start
        refused = other.get(f"{callback.path}?{callback.query}")
    assert refused.headers["location"] == "/signin?error=oidc"
    assert "fd_session" not in refused.headers.get("set-cookie", "")


def test_the_provider_holds_the_console_to_pkce(oidc_console: str, provider: str) -> None:
    sub = user(provider, "pkce.p", tenant=DEMO_TENANT_ID, roles=["agent"])
    with httpx.Client(base_url=oidc_console) as client:
        authorize = client.get("/signin/oidc").headers["location"]
    # Without the challenge the provider refuses to authorize at all ...
    parts = urlsplit(authorize)
    bare = {k: v[0] for k, v in parse_qs(parts.query).items() if not k.startswith("code_challenge")}
    refused = httpx.post(f"{parts.scheme}://{parts.netloc}{parts.path}", params=bare, data={"sub": sub})
    assert refused.status_code >= 400 or "error=" in refused.headers.get("location", "")
    # ... and a code is worth nothing without the verifier that only the console holds.
    back = httpx.post(authorize, data={"sub": sub})
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    token = httpx.post(
        f"{provider}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": parse_qs(parts.query)["redirect_uri"][0],
            "code_verifier": "x" * 50,
        },
        auth=("frontdoor-console", "test-client-secret"),
    )
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"


def test_users_without_a_role_get_no_session(oidc_console: str, provider: str) -> None:
    sub = user(provider, "norole.n", name="No Role", tenant=DEMO_TENANT_ID, roles=["staff"])
    with httpx.Client(base_url=oidc_console) as client:
        done = sign_in(client, provider, sub)
        assert done.headers["location"] == "/signin?error=refused"
        assert client.get("/wallboard").status_code == 303


def test_a_provider_for_one_tenant_refuses_users_claiming_another(
    platform: Stage, provider: str, tmp_path: Path
) -> None:
    settings = console_settings(
        platform,
        tmp_path,
        oidc_issuer=provider,
        oidc_client_id="c",
        oidc_client_secret="c-secret",
        oidc_tenant=DEMO_TENANT_ID,
        dev_signin=False,
    )
    sub = user(provider, "intruder.i", name="Intruder", tenant=OTHER_TENANT, roles=["administrator"])
    with served_in_thread(create_app(settings)) as base, httpx.Client(base_url=base) as client:
        assert sign_in(client, provider, sub).headers["location"] == "/signin?error=refused"


def test_a_user_of_another_tenant_sees_and_moves_nothing_of_this_one(
    oidc_console: str, provider: str, api: Stage
) -> None:
    kari = api.people()["Kari"]  # a forged claim: this tenant's agent, named by another tenant's user
    sub = user(
        provider, "other.o", name="Other Tenant", tenant=OTHER_TENANT, roles=["supervisor"], frontdoor_agent_id=kari
    )
    queue = ok(api.routing.get("/v1/queues"))[0]
    api.only_available(queue=queue["id"])  # nobody takes it: it waits, and nobody but the intruder acts on it
    call = ok(api.routing.post("/v1/calls", json={"cti_call_id": f"other-{time.time()}", "queue_id": queue["id"]}), 201)
    call_id = call["call"]["call_id"]
    try:
        with httpx.Client(base_url=oidc_console) as client:
            sign_in(client, provider, sub)
            wall = client.get("/wallboard")
            assert wall.status_code == 200 and queue["name"] not in wall.text
            desk = client.get("/desk")
            assert desk.status_code == 200 and "Nordmann" not in desk.text
            csrf = csrf_of(desk.text)
            english(client, csrf)
            headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
            peek = client.get(f"/desk/calls/{call_id}", headers={"HX-Request": "true"})
            assert peek.status_code == 409 and "moved on" in peek.text
            take = client.post(
                f"/desk/offers/{call.get('offer_id') or call_id}/accept", data={"call_id": call_id}, headers=headers
            )
            assert take.status_code == 409
        assert ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]["state"] == "queued"
    finally:
        api.routing.post(f"/v1/calls/{call_id}/abandon")


def test_production_sessions_are_secure_host_cookies_and_there_is_no_development_sign_in(
    platform: Stage, provider: str, tmp_path: Path
) -> None:
    settings = console_settings(
        platform,
        tmp_path,
        environment="production",
        jwt_secret="p" * 48,
        service_token_secret="s" * 48,
        seal_keys=[Fernet.generate_key().decode()],
        subject_digest_key="d" * 48,
        oidc_issuer=provider,
        oidc_client_id="c",
        oidc_client_secret="c-secret",
    )
    sub = user(provider, "prod.p", name="Prod", tenant=DEMO_TENANT_ID, roles=["supervisor"])
    with served_in_thread(create_app(settings)) as base, httpx.Client(base_url=base) as client:
        page = client.get("/signin")
        assert "Development sign-in" not in page.text and "/signin/oidc" in page.text
        assert client.post("/signin/dev", data={"agent_id": "x", "signin_token": "x"}).status_code == 404
        # Secure cookies: a client sends them over https only, so they are carried by hand here
        # (Chromium treats 127.0.0.1 as secure and would send them itself).
        start = client.get("/signin/oidc")
        login = start.headers["set-cookie"]
        assert login.startswith("fd_login=") and "secure" in login.lower()
        back = httpx.post(start.headers["location"], data={"sub": sub})
        callback = urlsplit(back.headers["location"])
        done = client.get(f"{callback.path}?{callback.query}", headers={"Cookie": login.split(";")[0]})
        cookie = done.headers["set-cookie"]
        assert cookie.startswith("__Host-fd_session=")
        assert all(flag in cookie.lower() for flag in ("secure", "httponly", "samesite=lax", "path=/"))
        session = cookie.split(";")[0]
        assert client.get("/wallboard", headers={"Cookie": session}).status_code == 200
        assert client.get("/wallboard", headers={"Cookie": session.replace("__Host-", "")}).status_code == 303
        assert "content-security-policy" in page.headers
