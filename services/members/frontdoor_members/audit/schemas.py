"""Audit log shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class PersonalDataReadView(BaseModel):
    """One recorded read of personal data."""

    id: uuid.UUID
    member_id: uuid.UUID
    subject: str
    contact_id: uuid.UUID | None
    purpose: str
    fields: list[str]
    request_id: str | None
    at: datetime


class ChainVerificationView(BaseModel):
    """Whether the tenant's audit chain verifies, or where and why it first breaks."""

    tenant_id: str
    ok: bool
    entries: int  # entries verified (before the break, if any)
    head_seq: int
    head_hash: str
    pruned_before: int  # the checkpoint: entries before this seq were deleted by retention (1: none)
    broken_seq: int | None
    reason: str | None  # altered | missing | inserted | head_mismatch
    detail: str | None
