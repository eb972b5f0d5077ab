"""The declarative base of the callbacks service's tables (its own metadata, its own database).

Only the base lives here: the domain models import it, and nothing here imports them back.
`frontdoor_callbacks.tables` gathers every table on `metadata` for Alembic.
"""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class CallbacksModel(SQLModel, registry=registry()):
    """Base of the callbacks service's SQLModel tables."""


metadata = CallbacksModel.metadata
