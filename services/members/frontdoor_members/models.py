"""The members service's tables (its own metadata, its own database).

Each domain package keeps its tables in its own `models.py`; `load_models()` imports them
all so the metadata is complete (Alembic's env.py calls it).
"""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class MembersModel(SQLModel, registry=registry()):
    """Base of the members service's SQLModel tables."""


metadata = MembersModel.metadata


def load_models() -> None:
    """Import every domain's tables into the metadata."""
    from frontdoor_members.audit import models as _audit
    from frontdoor_members.contacts import models as _contacts
    from frontdoor_members.dossier import models as _dossier
    from frontdoor_members.members import models as _members
    from frontdoor_members.membership import models as _membership
    from frontdoor_members.tenants import models as _tenants

    del _audit, _contacts, _dossier, _members, _membership, _tenants
