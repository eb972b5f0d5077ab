"""`python -m frontdoor_agents [serve|migrate|openapi]`."""

from __future__ import annotations

from frontdoor_agents.app import create_app
from frontdoor_agents.settings import Settings
from frontdoor_common.cli import main_for


def main() -> None:
    """Run the agents service's command line."""
    main_for(Settings, create_app)


if __name__ == "__main__":
    main()
