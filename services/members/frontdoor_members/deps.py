"""FastAPI dependencies shared by the members service's routers."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

from fastapi import Depends, Header, Query, Request

from frontdoor_common.auth import Principal, require
from frontdoor_common.service import Runtime, RuntimeDep
from frontdoor_members.crypto import Vault
from frontdoor_members.settings import Settings

Reader = Annotated[Principal, require("members:read")]
Writer = Annotated[Principal, require("members:write")]
Admin = Annotated[Principal, require("admin")]


def vault_of(runtime: Runtime) -> Vault:
    """The runtime's vault, built once from the settings' keys."""
    vault = runtime.state.get("vault")
    if vault is None:
        vault = runtime.state["vault"] = Vault(settings_of(runtime).data_keys)
    return cast(Vault, vault)


def settings_of(runtime: Runtime) -> Settings:
    """The runtime's settings as the members service's own class."""
    settings = runtime.settings
    if not isinstance(settings, Settings):  # a plain ServiceSettings: fill in our defaults
        settings = Settings.model_validate(settings.model_dump())
    return settings


def _vault(runtime: RuntimeDep) -> Vault:
    return vault_of(runtime)


VaultDep = Annotated[Vault, Depends(_vault)]


def _contact_id(
    x_contact_id: Annotated[uuid.UUID | None, Header(description="A verified contact session for this member")] = None,
    contact_id: Annotated[uuid.UUID | None, Query(description="Same as the X-Contact-Id header")] = None,
) -> uuid.UUID | None:
    return contact_id or x_contact_id


ContactIdDep = Annotated[uuid.UUID | None, Depends(_contact_id)]


def request_id(request: Request) -> str | None:
    """The request id the middleware assigned (for the audit trail)."""
    value = request.headers.get("x-request-id")
    return value[:100] if value else None


RequestIdDep = Annotated[str | None, Depends(request_id)]
