"""`python -m frontdoor_surveys [serve|migrate|openapi]`."""

from __future__ import annotations

from frontdoor_common.cli import main_for
from frontdoor_surveys.app import create_app
from frontdoor_surveys.settings import Settings


def main() -> None:
    """Run the surveys service's command line."""
    main_for(Settings, create_app)


if __name__ == "__main__":
    main()
