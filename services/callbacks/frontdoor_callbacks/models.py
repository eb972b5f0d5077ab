"""The callbacks service's tables (its own metadata, its own database).

Every table module is imported here so that the metadata (and Alembic) sees them all.
"""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class CallbacksModel(SQLModel, registry=registry()):
    """Base of the callbacks service's SQLModel tables."""


metadata = CallbacksModel.metadata


def load_tables() -> None:
    """Import every table module (registers the tables on `metadata`)."""
    from frontdoor_callbacks.callbacks import models as _callbacks  # noqa: F401
    from frontdoor_callbacks.queues import models as _queues  # noqa: F401
