"""`python -m frontdoor_members [serve|migrate|openapi]`."""

from __future__ import annotations

from frontdoor_common.cli import main_for
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings


def main() -> None:
    """Run the members service's command line."""
    main_for(Settings, create_app)


if __name__ == "__main__":
    main()
