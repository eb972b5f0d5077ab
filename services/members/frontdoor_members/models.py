"""The base of the members service's tables (its own metadata, its own database).

Each domain package keeps its tables in its own `models.py`, built on `MembersModel`; this
module imports none of them back. The registry of every table is `tables.py`.
"""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class MembersModel(SQLModel, registry=registry()):
    """Base of the members service's SQLModel tables."""


metadata = MembersModel.metadata
