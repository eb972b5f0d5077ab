"""The agents service's tables (its own metadata, its own database)."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class AgentsModel(SQLModel, registry=registry()):
    """Base of the agents service's SQLModel tables."""


metadata = AgentsModel.metadata
