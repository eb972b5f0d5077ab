"""Per-tenant SMS gateways (own webhook key and secret, own provider URL); inbound message ids unique per scope.

Revision ID: surveys_0003
Revises: surveys_0002
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from frontdoor_common.models import UTCDateTime


revision: str = 'surveys_0003'
down_revision: str | None = 'surveys_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0002 left the unique constraint on sms_inbound.provider_message_id unnamed: PostgreSQL named it
# itself, SQLite's batch mode needs a naming convention to find it.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique_name() -> str:
    return "sms_inbound_provider_message_id_key" if op.get_bind().dialect.name == "postgresql" else "uq_sms_inbound_provider_message_id"


def upgrade() -> None:
    op.create_table('sms_gateways',
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('sender_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('token_encrypted', sa.Text(), nullable=True),
    sa.Column('webhook_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('webhook_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id'),
    sa.UniqueConstraint('webhook_key')
    )
    with op.batch_alter_table('sms_inbound', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.add_column(sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default='platform'))
        batch_op.drop_constraint(_old_unique_name(), type_='unique')
        batch_op.create_unique_constraint('uq_sms_inbound_scope_message', ['scope', 'provider_message_id'])


def downgrade() -> None:
    with op.batch_alter_table('sms_inbound', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint('uq_sms_inbound_scope_message', type_='unique')
        batch_op.create_unique_constraint(_old_unique_name(), ['provider_message_id'])
        batch_op.drop_column('scope')
    op.drop_table('sms_gateways')
