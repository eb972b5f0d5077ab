"""The routing service's tables (its own metadata, its own database)."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class RoutingModel(SQLModel, registry=registry()):
    """Base of the routing service's SQLModel tables."""


metadata = RoutingModel.metadata
