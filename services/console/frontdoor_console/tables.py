"""Every table of the console, registered on one metadata.

Alembic's environment imports this module; nothing in the service imports it.
"""

from __future__ import annotations

from frontdoor_console.auth.models import ConsoleSession, LoginAttempt, UserPreference
from frontdoor_console.desk.models import DeskCall
from frontdoor_console.models import metadata

TABLES = (ConsoleSession, LoginAttempt, UserPreference, DeskCall)

__all__ = ["TABLES", "metadata"]
