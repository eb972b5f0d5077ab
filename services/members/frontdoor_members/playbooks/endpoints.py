"""Playbooks per contact reason over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Response

from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import Configurer, Reader
from frontdoor_members.playbooks import service
from frontdoor_members.playbooks.models import Playbook
from frontdoor_members.playbooks.schemas import FallbackContact, PlaybookCreate, PlaybookView

router = APIRouter(tags=["playbooks"])


def _view(playbook: Playbook) -> PlaybookView:
    fallback = (
        FallbackContact(name=playbook.fallback_name, number=playbook.fallback_number)
        if playbook.fallback_name and playbook.fallback_number
        else None
    )
    return PlaybookView(
        code=playbook.code,
        steps=list(playbook.steps),
        transfer_number=playbook.transfer_number,
        ask_first=playbook.ask_first,
        consult_first=playbook.consult_first,
        fallback_contact=fallback,
        updated_at=playbook.updated_at,
    )


@router.get("/v1/playbooks", response_model=list[PlaybookView], summary="The tenant's playbooks")
async def list_playbooks(session: SessionDep, ctx: ContextDep, principal: Reader) -> list[PlaybookView]:
    """Every playbook of the caller's tenant, for reasons in its list, by code."""
    rows = await service.all_of(session, principal.tenant_id, ctx.settings.default_country)
    return [_view(p) for p in rows]


@router.get("/v1/playbooks/{code}", response_model=PlaybookView, summary="The playbook of one reason")
async def get_playbook(code: str, session: SessionDep, ctx: ContextDep, principal: Reader) -> PlaybookView:
    """The playbook of one of the tenant's reasons (404 if it has none, or the code is not a reason)."""
    return _view(await service.require(session, principal.tenant_id, code, ctx.settings.default_country))


@router.put("/v1/playbooks/{code}", response_model=PlaybookView, summary="Set the playbook of one reason")
async def put_playbook(
    code: str, body: PlaybookCreate, session: SessionDep, ctx: ContextDep, principal: Configurer
) -> PlaybookView:
    """Set the whole playbook (a field left out is cleared); `code` must be one of the tenant's
    reasons (422 naming `code`), the transfer number and the fallback contact's a valid one (422
    naming `transfer_number` or `fallback_contact.number`; stored as E.164)."""
    playbook = await service.put(
        session, principal.tenant_id, code, body, default_country=ctx.settings.default_country, now=ctx.clock.now()
    )
    return _view(playbook)


@router.delete("/v1/playbooks/{code}", status_code=204, summary="Remove the playbook of one reason")
async def delete_playbook(code: str, session: SessionDep, ctx: ContextDep, principal: Configurer) -> Response:
    """Remove the playbook (404 if the reason has none)."""
    await service.delete(session, principal.tenant_id, code, ctx.settings.default_country)
    return Response(status_code=204)
