"""Data keys (rotation, production refusal), the demo seed, and what events carry."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_common.bus.tables import outbox
from frontdoor_common.settings import DEMO_TENANT_ID, DEV_DATA_KEY, demo_department_id
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.crypto import Vault
from frontdoor_members.members.models import Member
from frontdoor_members.reencrypt import run as reencrypt_run
from frontdoor_members.seed import _members
from frontdoor_members.settings import Settings
from frontdoor_members.testing import ASTRID_NID, create_member, headers


def test_the_default_data_key_is_refused_in_production() -> None:
    secret = "a-real-jwt-secret-from-the-vault-0123456789"
    with pytest.raises(ValueError, match="data_keys"):
        Settings(environment="production", jwt_secret=secret)
    with pytest.raises(ValueError, match="seal_keys"):
        Settings(environment="production", jwt_secret=secret, data_keys=[Fernet.generate_key().decode()])
    assert Settings(
        environment="production",
        jwt_secret=secret,
        data_keys=[Fernet.generate_key().decode()],
        seal_keys=[Fernet.generate_key().decode()],
        subject_digest_key=Fernet.generate_key().decode(),
    )
    with pytest.raises(ValueError, match="Fernet"):
        Settings(data_keys=["not-a-key"])


async def test_national_ids_are_re_encrypted_with_a_new_key_and_stay_readable(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    await create_member(client)
    new_key = Fernet.generate_key().decode()
    rotated = settings.model_copy(update={"data_keys": [new_key, DEV_DATA_KEY]})
    assert await reencrypt_run(rotated) == (1, 0)
    async with app.state.runtime.db.transaction() as s:
        stored = (await s.scalars(select(Member))).one().national_id_encrypted
    assert stored is not None
    assert Vault([new_key]).decrypt(stored) == ASTRID_NID  # the old key is no longer needed
    assert await reencrypt_run(rotated) == (0, 1)
    admin = await client.post("/admin/members/reencrypt", headers=headers(scopes="members:read"))
    assert admin.status_code == 403


async def test_the_demo_seed_runs_once_and_is_idempotent(make_settings: Callable[..., Any]) -> None:
    settings: Settings = make_settings(Settings, kafka_bootstrap_servers=None, seed_demo=True)
    for _ in range(2):
        app = create_app(settings)
        async with running_app(app) as client:
            h = headers(DEMO_TENANT_ID)
            family = (await client.get("/v1/members/lookup", params={"phone": "22334455"}, headers=h)).json()
            assert sorted(c["first_name"] for c in family["candidates"]) == ["Eirik", "Kari", "Tor"]
            nils = (await client.get("/v1/members/lookup", params={"member_number": "1000058"}, headers=h)).json()
            checks = await client.get(f"/v1/members/{nils['candidates'][0]['member_id']}/checks", headers=h)
            assert [c["code"] for c in checks.json()["checks"]] == ["placeholder_national_id"]
            # the demo departments have the ids the agents seed gives its counsellors
            departments = {d["code"]: d["id"] for d in (await client.get("/v1/departments", headers=h)).json()}
            assert departments == {code: str(demo_department_id(code)) for code in ("avd-1", "avd-2", "avd-3")}
            async with app.state.runtime.db.transaction() as s:
                assert await s.scalar(select(func.count()).select_from(Member)) == 7
                payloads = [r.payload for r in (await s.execute(select(outbox.c.payload))).all()]
    assert payloads
    seeded_ids = [m.national_id for m in _members() if m.national_id and len(m.national_id) == 11]
    assert len(seeded_ids) == 6
    for payload in payloads:
        data = json.loads(payload)["data"]
        assert '"national_id"' not in json.dumps(data)
        assert not any(nid in payload for nid in seeded_ids)
        assert "summary" not in data
