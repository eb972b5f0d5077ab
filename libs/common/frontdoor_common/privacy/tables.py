"""The personal-data tables every service's database carries (beside the outbox and inbox).

- `seal_keys`: the service's data keys, one or more per subject (a member, a phone number), each
  wrapped by the service's seal keys (`seal_keys` setting). Personal fields of the events the
  service publishes are sealed with them; erasing a subject sets `wrapped_key` to NULL (the key is
  gone, so every copy of what it sealed, on the broker, in outbox rows, in a BI copy, is unreadable).
  `subject` is a keyed digest (never the member id or number itself).
- `retention_policies`: the tenant's retention windows, mirrored from members'
  `members.tenant.retention_changed` (the latest event is the truth).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text

PRIVACY_METADATA = MetaData()

seal_keys = Table(
    "seal_keys",
    PRIVACY_METADATA,
    Column("kid", String(32), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("wrapped_key", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("shredded_at", DateTime(timezone=True), nullable=True),
    Index("ix_seal_keys_subject", "tenant", "subject"),
)

retention_policies = Table(
    "retention_policies",
    PRIVACY_METADATA,
    Column("tenant", String(64), primary_key=True),
    Column("windows", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
