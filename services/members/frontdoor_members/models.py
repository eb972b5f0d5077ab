"""The members service's tables (its own metadata, its own database)."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class MembersModel(SQLModel, registry=registry()):
    """Base of the members service's SQLModel tables."""


metadata = MembersModel.metadata
