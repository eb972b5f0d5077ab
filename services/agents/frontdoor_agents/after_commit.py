"""Run something once a transaction has committed (services flush, never commit: the caller does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession


def after_commit(session: AsyncSession, key: str, callback: Callable[[], None]) -> None:
    """Call `callback` once `session`'s transaction has committed; asked again with the same `key`
    in the same transaction, it is still called once."""
    flag = f"frontdoor_after_commit:{key}"
    if session.info.get(flag):
        return
    session.info[flag] = True

    def _after_commit(_session: Any) -> None:
        session.info.pop(flag, None)
        callback()

    sa_event.listen(session.sync_session, "after_commit", _after_commit, once=True)
