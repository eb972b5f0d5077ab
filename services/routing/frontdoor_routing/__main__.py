"""`python -m frontdoor_routing [serve|migrate|openapi]`."""

from __future__ import annotations

from frontdoor_common.cli import main_for
from frontdoor_routing.app import create_app
from frontdoor_routing.settings import Settings


def main() -> None:
    """Run the routing service's command line."""
    main_for(Settings, create_app)


if __name__ == "__main__":
    main()
