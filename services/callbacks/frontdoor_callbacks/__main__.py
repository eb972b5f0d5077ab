"""`python -m frontdoor_callbacks [serve|migrate|openapi]`."""

from __future__ import annotations

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.settings import Settings
from frontdoor_common.cli import main_for


def main() -> None:
    """Run the callbacks service's command line."""
    main_for(Settings, create_app)


if __name__ == "__main__":
    main()
