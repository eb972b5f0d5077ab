"""Dependencies shared by the routing endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from frontdoor_common.auth import Principal, require
from frontdoor_routing.engine import Engine


def get_engine(request: Request) -> Engine:
    """The routing engine of this instance."""
    engine: Engine = request.app.state.runtime.state["engine"]
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]
Reader = Annotated[Principal, require("routing:read")]
Writer = Annotated[Principal, require("routing:write")]
AgentDesk = Annotated[Principal, require("routing:agent")]
