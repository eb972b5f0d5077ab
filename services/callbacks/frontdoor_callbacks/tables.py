"""Every table of the callbacks service, registered on one metadata.

Alembic's environment (and the test that compares the migrations with the models) imports
this module; nothing in the service imports it, so the registry never closes an import cycle.
"""

from __future__ import annotations

from frontdoor_callbacks.callbacks.models import Callback, CallbackAttempt
from frontdoor_callbacks.models import metadata
from frontdoor_callbacks.opening.known import KnownOpeningHours
from frontdoor_callbacks.queues.models import QueueReplica
from frontdoor_callbacks.references.models import KnownAgent, KnownMember
from frontdoor_callbacks.served.models import AnsweredCall
from frontdoor_callbacks.tenants.models import TenantSetting

TABLES = (
    Callback,
    CallbackAttempt,
    KnownOpeningHours,
    QueueReplica,
    KnownMember,
    KnownAgent,
    AnsweredCall,
    TenantSetting,
)

__all__ = ["TABLES", "metadata"]
