"""The callbacks service's tables (its own metadata, its own database)."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class CallbacksModel(SQLModel, registry=registry()):
    """Base of the callbacks service's SQLModel tables."""


metadata = CallbacksModel.metadata
