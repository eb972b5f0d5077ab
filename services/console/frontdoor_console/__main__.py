"""`python -m frontdoor_console [serve|migrate|openapi]`."""

from __future__ import annotations

from frontdoor_common.cli import main_for
from frontdoor_console.app import create_app
from frontdoor_console.settings import Settings


def main() -> None:
    """Run the console's command line."""
    main_for(Settings, create_app)


if __name__ == "__main__":
    main()
