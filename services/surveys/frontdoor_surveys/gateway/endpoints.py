"""The gateway's webhooks: POST /v1/sms/inbound (replies) and POST /v1/sms/receipts (delivery).

Both verify the provider's HMAC signature over the raw body (401 problem+json otherwise).
With the file gateway (the embedded default) a bearer token with `surveys:write` also
works, so a developer can post replies by hand with the token from var/dev-token.txt.
"""

from __future__ import annotations

from typing import Any, TypeVar

import phonenumbers
from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy import update

from frontdoor_common.errors import InvalidInput, Unauthorized
from frontdoor_common.service import RuntimeDep, SessionDep
from frontdoor_surveys.clock import now
from frontdoor_surveys.gateway import signature
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.gateway.schemas import InboundIn, InboundOut, ReceiptIn
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys import replies

router = APIRouter(prefix="/v1/sms", tags=["sms gateway"])

M = TypeVar("M", bound=BaseModel)


def _body(model: type[BaseModel]) -> dict[str, Any]:
    # The body is read raw (the signature covers its bytes), so document it by hand.
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


async def _authenticated_body(request: Request, settings: Settings) -> bytes:
    body = await request.body()
    if signature.verify(
        settings.sms_webhook_secret,
        request.headers.get(settings.sms_signature_header),
        request.headers.get(settings.sms_timestamp_header),
        body,
        tolerance_s=settings.sms_signature_tolerance_s,
    ):
        return body
    authorization = request.headers.get("authorization", "")
    if settings.sms_gateway == "file" and authorization.lower().startswith("bearer "):
        principal = await request.app.state.runtime.verifier.verify(authorization[7:].strip())
        if principal.has("surveys:write"):
            return body
    if not request.headers.get(settings.sms_signature_header):
        raise Unauthorized("The webhook is not signed.", error_id="signature_missing")
    raise Unauthorized("The webhook's signature is not valid (or too old).", error_id="signature_invalid")


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


@router.post(
    "/inbound",
    response_model=InboundOut,
    summary="The gateway's webhook for replies (signed); a redelivery with the same message_id counts once",
    openapi_extra=_body(InboundIn),
)
async def inbound(request: Request, session: SessionDep, runtime: RuntimeDep) -> Any:
    """Apply a member's reply to their survey."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    body = await _authenticated_body(request, settings)
    payload = _parse(InboundIn, body)
    result = await replies.handle_inbound(
        session,
        runtime,
        from_number=_e164(payload.from_),
        text=payload.text,
        provider_message_id=payload.message_id,
        to_number=payload.to,
    )
    return InboundOut(status=result.status, survey_id=str(result.survey_id) if result.survey_id else None)


@router.post(
    "/receipts",
    summary="The provider's delivery receipts (signed)",
    openapi_extra=_body(ReceiptIn),
)
async def receipt(request: Request, session: SessionDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Record whether a sent SMS reached the phone."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    payload = _parse(ReceiptIn, await _authenticated_body(request, settings))
    result = await session.execute(
        update(OutgoingSms)
        .where(OutgoingSms.provider_message_id == payload.message_id)  # type: ignore[arg-type]
        .values(delivery_status=payload.status, delivered_at=payload.at or now(runtime))
    )
    return {"updated": int(getattr(result, "rowcount", 0) or 0)}
