"""The surveys service's tables (its own metadata, its own database)."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class SurveysModel(SQLModel, registry=registry()):
    """Base of the surveys service's SQLModel tables."""


metadata = SurveysModel.metadata
