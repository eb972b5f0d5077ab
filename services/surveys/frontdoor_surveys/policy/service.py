"""Loading and changing a tenant's policy and questions. Never commits."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.models import utcnow
from frontdoor_surveys.policy import rules
from frontdoor_surveys.policy.defaults import DEFAULT_QUESTIONS
from frontdoor_surveys.policy.models import SurveyPolicyRow, SurveyQuestionRow


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
                .where(SurveyQuestionRow.tenant_id == tenant_id)
                .order_by(SurveyQuestionRow.language, SurveyQuestionRow.position)
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


async def save_policy(session: AsyncSession, tenant_id: str, values: dict[str, object]) -> SurveyPolicyRow:
    """Create or change the tenant's policy with the given fields."""
    row = await session.get(SurveyPolicyRow, tenant_id)
    if row is None:
        row = SurveyPolicyRow(tenant_id=tenant_id)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    await session.flush()
    return row


async def save_questions(session: AsyncSession, tenant_id: str, language: str, texts: list[str]) -> None:
    """Replace the tenant's questions in one language."""
    await session.execute(
        delete(SurveyQuestionRow).where(
            SurveyQuestionRow.tenant_id == tenant_id,  # type: ignore[arg-type]
            SurveyQuestionRow.language == language,  # type: ignore[arg-type]
        )
    )
    await session.flush()
    for position, text in enumerate(texts, start=1):
        session.add(SurveyQuestionRow(tenant_id=tenant_id, language=language, position=position, text=text))
    await session.flush()
