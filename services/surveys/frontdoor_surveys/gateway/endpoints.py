"""The gateway's webhooks and the tenant's gateway configuration.

- POST /v1/sms/inbound/{webhook_key}, /v1/sms/receipts/{webhook_key}: a tenant's gateway, signed
  with that tenant's own secret; they act only within that tenant.
- POST /v1/sms/inbound, /v1/sms/receipts: the platform gateway, signed with the platform-wide
  secret; it speaks only for tenants without a gateway URL of their own. With the file gateway
  (the embedded default) a bearer token with `surveys:write` also works, for the token's tenant
  only, so a developer can post replies by hand with the token from var/dev-token.txt.
- GET/PUT /v1/sms/gateway (admin): the tenant's gateway URL, sender id, token and webhook key.

Signatures are HMAC-SHA256 over the raw body (401 problem+json otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import phonenumbers
from cryptography.fernet import InvalidToken
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal, require
from frontdoor_common.errors import InvalidInput, NotFound, Unauthorized, Unavailable
from frontdoor_common.logging import get_logger
from frontdoor_common.service import SessionDep
from frontdoor_surveys.context import ContextDep, SurveysContext
from frontdoor_surveys.gateway import service, signature, tenants
from frontdoor_surveys.gateway.models import TenantGateway
from frontdoor_surveys.gateway.schemas import GatewayUpdate, GatewayView, InboundCreate, InboundView, ReceiptCreate
from frontdoor_surveys.gateway.vault import SecretBox

router = APIRouter(prefix="/v1/sms", tags=["sms gateway"])
log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)
# The webhooks check their own credentials (a signature, or a bearer token on the platform's path).
WEBHOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Unsigned, badly signed or stale (signature_missing, signature_invalid), problem+json"},
}
WebhookKey = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def _body(model: type[BaseModel]) -> dict[str, Any]:
    # The body is read raw (the signature covers its bytes), so document it by hand.
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


@dataclass(frozen=True)
class Caller:
    """Who posted a webhook: a tenant (its own signed address, or a bearer token of the tenant),
    or the platform's gateway (the platform-wide secret; it speaks only for tenants without a
    gateway URL of their own)."""

    tenant_id: str | None
    via: str  # tenant_signature | bearer | platform_signature

    @property
    def scope(self) -> str:
        """Where the provider's message ids are unique."""
        return self.tenant_id or "platform"


def _verify(ctx: SurveysContext, secret: str, request: Request, body: bytes) -> bool:
    settings = ctx.settings
    return signature.verify(
        secret,
        request.headers.get(settings.sms_signature_header),
        request.headers.get(settings.sms_timestamp_header),
        body,
        tolerance_s=settings.sms_signature_tolerance_s,
        now=ctx.clock.time(),
    )


def _refuse(request: Request, ctx: SurveysContext) -> Unauthorized:
    if not request.headers.get(ctx.settings.sms_signature_header):
        return Unauthorized("The webhook is not signed.", error_id="signature_missing")
    return Unauthorized("The webhook's signature is not valid (or too old).", error_id="signature_invalid")


async def _platform_caller(request: Request, ctx: SurveysContext) -> tuple[bytes, Caller]:
    body = await request.body()
    if _verify(ctx, ctx.settings.sms_webhook_secret, request, body):
        return body, Caller(None, "platform_signature")
    authorization = request.headers.get("authorization", "")
    if ctx.settings.sms_gateway == "file" and authorization.lower().startswith("bearer "):
        principal = await ctx.runtime.verifier.verify(authorization[7:].strip())
        if principal.has("surveys:write"):
            return body, Caller(principal.tenant_id, "bearer")  # acts only within the token's tenant
    raise _refuse(request, ctx)


async def _tenant_caller(
    request: Request, session: AsyncSession, ctx: SurveysContext, webhook_key: str
) -> tuple[bytes, Caller]:
    body = await request.body()
    config = await tenants.by_webhook_key(session, webhook_key)
    if config is None:
        raise NotFound("No such webhook address.", error_id="webhook_not_found")
    box = SecretBox.of(ctx.settings)
    # rotated a moment ago: the previous secret too (the provider may not have switched)
    for encrypted in tenants.secrets_to_try(config, ctx.clock.now()):
        try:
            secret = box.decrypt(encrypted)
        except InvalidToken:  # SURVEYS_SMS_SECRET_KEYS lost the key it was made with: an operator's fix
            log.error("a tenant's webhook secret does not decrypt with the configured keys", tenant=config.tenant_id)
            raise Unavailable("The webhook cannot be checked now.", error_id="webhook_secret_unreadable") from None
        if _verify(ctx, secret, request, body):
            return body, Caller(config.tenant_id, "tenant_signature")
    raise _refuse(request, ctx)


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors()
        fields = [".".join(str(p) for p in e.get("loc", ())) or "body" for e in errors]
        first = errors[0] if errors else {"msg": "invalid body"}
        raise InvalidInput(
            f"{fields[0] if fields else 'body'}: {first.get('msg')}",
            error_id="validation_failed",
            title="Request validation failed",
            field=fields[0] if fields else "body",
            errors=[
                {"field": f, "message": e.get("msg", ""), "type": e.get("type", "")}
                for f, e in zip(fields, errors, strict=False)
            ],
        ) from None


def _e164(raw: str) -> str:
    raw = raw.strip()
    if raw.isdigit():
        raw = "+" + raw  # many providers send international numbers without the plus
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise InvalidInput("'from' must be a phone number in E.164 (+4741234567).", field="from") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput("'from' is not a possible phone number.", field="from")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


async def _inbound(session: AsyncSession, ctx: SurveysContext, body: bytes, caller: Caller) -> InboundView:
    payload = _parse(InboundCreate, body)
    result = await ctx.replies.handle_inbound(
        session,
        from_number=_e164(payload.from_),
        text=payload.text,
        provider_message_id=payload.message_id,
        to_number=payload.to,
        tenant_id=caller.tenant_id,
    )
    return InboundView(status=result.status, survey_id=str(result.survey_id) if result.survey_id else None)


async def _receipt(session: AsyncSession, ctx: SurveysContext, body: bytes, caller: Caller) -> dict[str, Any]:
    payload = _parse(ReceiptCreate, body)
    updated = await service.record_receipt(
        session,
        provider_message_id=payload.message_id,
        status=payload.status,
        at=payload.at or ctx.clock.now(),
        tenant_id=caller.tenant_id,
    )
    return {"updated": updated}


@router.post(
    "/inbound",
    response_model=InboundView,
    summary="The platform gateway's webhook for replies (signed), or a reply posted with a bearer token "
    "(file gateway; only within the token's tenant); a redelivery with the same message_id counts once",
    openapi_extra=_body(InboundCreate),
    responses=WEBHOOK_ERRORS,
)
async def inbound(request: Request, session: SessionDep, ctx: ContextDep) -> InboundView:
    """Apply a member's reply to their survey."""
    body, caller = await _platform_caller(request, ctx)
    return await _inbound(session, ctx, body, caller)


@router.post(
    "/inbound/{webhook_key}",
    response_model=InboundView,
    summary="A tenant's gateway's webhook for replies, signed with the tenant's own secret; acts only within "
    "that tenant",
    openapi_extra=_body(InboundCreate),
    responses=WEBHOOK_ERRORS,
)
async def tenant_inbound(
    webhook_key: WebhookKey, request: Request, session: SessionDep, ctx: ContextDep
) -> InboundView:
    """Apply a member's reply to their survey with this tenant."""
    body, caller = await _tenant_caller(request, session, ctx, webhook_key)
    return await _inbound(session, ctx, body, caller)


@router.post(
    "/receipts",
    summary="The platform provider's delivery receipts (signed), or a bearer caller's (its own tenant's messages)",
    openapi_extra=_body(ReceiptCreate),
    responses=WEBHOOK_ERRORS,
)
async def receipt(request: Request, session: SessionDep, ctx: ContextDep) -> dict[str, Any]:
    """Record whether a sent SMS reached the phone."""
    body, caller = await _platform_caller(request, ctx)
    return await _receipt(session, ctx, body, caller)


@router.post(
    "/receipts/{webhook_key}",
    summary="A tenant's provider's delivery receipts, signed with the tenant's own secret",
    openapi_extra=_body(ReceiptCreate),
    responses=WEBHOOK_ERRORS,
)
async def tenant_receipt(
    webhook_key: WebhookKey, request: Request, session: SessionDep, ctx: ContextDep
) -> dict[str, Any]:
    """Record whether one of this tenant's SMS reached the phone."""
    body, caller = await _tenant_caller(request, session, ctx, webhook_key)
    return await _receipt(session, ctx, body, caller)


def _view(config: TenantGateway, secret: str | None = None) -> GatewayView:
    return GatewayView(
        tenant_id=config.tenant_id,
        url=config.url,
        sender_id=config.sender_id,
        has_token=config.token_encrypted is not None,
        webhook_key=config.webhook_key,
        inbound_path=f"/v1/sms/inbound/{config.webhook_key}",
        receipts_path=f"/v1/sms/receipts/{config.webhook_key}",
        webhook_secret=secret,
        updated_at=config.updated_at,
    )


Admin = Annotated[Principal, require("admin")]


@router.get(
    "/gateway",
    response_model=GatewayView,
    summary="The tenant's own SMS gateway and webhook address (404 if it has none); never the secret or token",
)
async def get_gateway(session: SessionDep, principal: Admin) -> GatewayView:
    """Read the tenant's gateway configuration."""
    config = await tenants.get(session, principal.tenant_id)
    if config is None:
        raise NotFound("This tenant has no gateway of its own.", error_id="gateway_not_configured")
    return _view(config)


@router.put(
    "/gateway",
    response_model=GatewayView,
    summary="Set the tenant's own SMS gateway; the first PUT (or rotate_secret) answers the new webhook secret, once",
)
async def put_gateway(body: GatewayUpdate, session: SessionDep, ctx: ContextDep, principal: Admin) -> GatewayView:
    """Create or replace the tenant's gateway; the URL must be a public http(s) address."""
    config, secret = await tenants.configure(session, principal.tenant_id, body, ctx.settings, ctx.clock.now())
    return _view(config, secret)
