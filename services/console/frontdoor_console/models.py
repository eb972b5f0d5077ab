"""The declarative base of the console's tables (its own metadata, its own database).

The console keeps no domain data: only who is signed in (sessions), sign-ins under way
(OpenID Connect state) and each user's language. `frontdoor_console.tables` gathers them.
"""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class ConsoleModel(SQLModel, registry=registry()):
    """Base of the console's SQLModel tables."""


metadata = ConsoleModel.metadata
