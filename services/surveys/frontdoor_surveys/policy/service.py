"""Loading and changing a tenant's policy and questions (GET, PUT, PATCH /v1/survey-policy). Never commits."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.errors import Conflict, InvalidInput
from frontdoor_surveys.conversation.texts import LANGUAGES
from frontdoor_surveys.policy import rules
from frontdoor_surveys.policy.defaults import DEFAULT_QUESTIONS
from frontdoor_surveys.policy.models import SurveyPolicyRow, SurveyQuestionRow
from frontdoor_surveys.policy.schemas import PolicyFields, PolicyUpdate, PolicyView


def to_policy(row: SurveyPolicyRow | None) -> rules.Policy:
    """The pure policy from its row (the defaults without one)."""
    if row is None:
        return rules.Policy()
    return rules.Policy(
        enabled=row.enabled,
        require_answered=row.require_answered,
        require_not_transferred=row.require_not_transferred,
        require_resolved=row.require_resolved,
        require_member=row.require_member,
        require_mobile=row.require_mobile,
        include_callbacks=row.include_callbacks,
        min_days_between=row.min_days_between,
        quiet_start=rules.parse_clock(row.quiet_start),
        quiet_end=rules.parse_clock(row.quiet_end),
        time_zone=row.time_zone,
        country=row.country,
        default_language=row.default_language,
        expiry_hours=row.expiry_hours,
        target=row.target,
    )


async def load_policy(session: AsyncSession, tenant_id: str) -> rules.Policy:
    """The tenant's policy (defaults if it set none)."""
    return to_policy(await session.get(SurveyPolicyRow, tenant_id))


async def questions_by_language(session: AsyncSession, tenant_id: str) -> dict[str, tuple[str, ...]]:
    """The tenant's own questions per language (languages it has not set use the defaults)."""
    rows = (
        (
            await session.execute(
                select(SurveyQuestionRow)
                .where(col(SurveyQuestionRow.tenant_id) == tenant_id)
                .order_by(col(SurveyQuestionRow.language), col(SurveyQuestionRow.position))
            )
        )
        .scalars()
        .all()
    )
    result: dict[str, list[str]] = {}
    for row in rows:
        result.setdefault(row.language, []).append(row.text)
    merged = dict(DEFAULT_QUESTIONS)
    merged.update({lang: tuple(texts) for lang, texts in result.items()})
    return merged


async def questions_for(session: AsyncSession, tenant_id: str, language: str) -> tuple[str, ...]:
    """The questions to ask in `language` (English if the language has none)."""
    all_questions = await questions_by_language(session, tenant_id)
    return all_questions.get(language) or all_questions["en"]


async def save_policy(
    session: AsyncSession, tenant_id: str, values: dict[str, object], now: datetime
) -> SurveyPolicyRow:
    """Create or change the tenant's policy with the given fields."""
    row = await session.get(SurveyPolicyRow, tenant_id)
    if row is None:
        row = SurveyPolicyRow(tenant_id=tenant_id, updated_at=now)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    await session.flush()
    return row


async def save_questions(session: AsyncSession, tenant_id: str, language: str, texts: list[str]) -> None:
    """Replace the tenant's questions in one language."""
    await session.execute(
        delete(SurveyQuestionRow).where(
            col(SurveyQuestionRow.tenant_id) == tenant_id,
            col(SurveyQuestionRow.language) == language,
        )
    )
    await session.flush()
    for position, text in enumerate(texts, start=1):
        session.add(SurveyQuestionRow(tenant_id=tenant_id, language=language, position=position, text=text))
    await session.flush()


async def view(session: AsyncSession, tenant_id: str) -> PolicyView:
    """The tenant's policy (the defaults for fields it never set) and its questions in every language."""
    row = await session.get(SurveyPolicyRow, tenant_id)
    fields = PolicyFields.model_validate(row.model_dump()) if row else PolicyFields()
    questions = await questions_by_language(session, tenant_id)
    return PolicyView(**fields.model_dump(), tenant_id=tenant_id, questions={k: list(v) for k, v in questions.items()})


async def replace_policy(session: AsyncSession, tenant_id: str, body: PolicyUpdate, now: datetime) -> PolicyView:
    """PUT: the policy becomes `body` (a field left out takes its default); the languages named in
    `questions` get those questions."""
    async with _one_writer():
        await save_policy(session, tenant_id, body.model_dump(exclude={"questions"}), now)
        for language, texts in (body.questions or {}).items():
            await save_questions(session, tenant_id, language, [t.strip() for t in texts])
    return await view(session, tenant_id)


async def patch_policy(session: AsyncSession, tenant_id: str, raw: dict[str, Any], now: datetime) -> PolicyView:
    """PATCH: change the fields in `raw` (a JSON object); the result is validated whole and written
    at once, or not at all (422 naming the field)."""
    known = set(PolicyFields.model_fields) | {"questions"}
    for name, value in raw.items():
        if name not in known:
            raise InvalidInput(f"Unknown field {name!r}.", error_id="validation_failed", field=name)
        if value is None:
            raise InvalidInput(f"{name} may not be null (leave it out to keep it).", field=name)
    row = await session.get(SurveyPolicyRow, tenant_id)
    current = PolicyFields.model_validate(row.model_dump()) if row else PolicyFields()
    changes = {k: v for k, v in raw.items() if k != "questions"}
    try:
        merged = PolicyFields.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise _invalid(exc) from None
    questions = raw.get("questions", {})
    if not isinstance(questions, dict):
        raise InvalidInput("questions must be an object of language -> four texts (or null).", field="questions")
    replace: dict[str, list[str]] = {}
    for language, texts in questions.items():
        if language not in LANGUAGES:
            raise InvalidInput(
                f"language {language!r} is not one of {', '.join(LANGUAGES)}", field=f"questions.{language}"
            )
        if texts is None:
            replace[language] = []  # back to the default questions
            continue
        try:
            checked = PolicyUpdate.model_validate({"questions": {language: texts}}).questions or {}
        except ValidationError as exc:
            raise InvalidInput(
                str(exc.errors()[0].get("msg")), error_id="validation_failed", field=f"questions.{language}"
            ) from None
        replace[language] = [t.strip() for t in checked[language]]
    async with _one_writer():
        if changes or row is None:
            await save_policy(session, tenant_id, merged.model_dump(), now)
        for language, texts in replace.items():
            await save_questions(session, tenant_id, language, texts)
    return await view(session, tenant_id)


@contextlib.asynccontextmanager
async def _one_writer() -> AsyncIterator[None]:
    """Two first writes of a tenant's policy at once: the second is a 409 to retry, not a 500."""
    try:
        yield
    except IntegrityError:
        raise Conflict("The policy was changed by another request at the same time; retry.") from None


def _invalid(exc: ValidationError) -> InvalidInput:
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "body"
    return InvalidInput(
        f"{field}: {first.get('msg')}",
        error_id="validation_failed",
        title="Request validation failed",
        field=field,
        errors=[
            {
                "field": ".".join(str(p) for p in e.get("loc", ())) or "body",
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in errors
        ],
    )
