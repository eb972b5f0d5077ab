"""`python -m frontdoor_callbacks [serve|migrate|openapi]`."""

from __future__ import annotations

from frontdoor_callbacks.app import SPEC, create_app
from frontdoor_callbacks.settings import Settings
from frontdoor_common.cli import main_for


def main() -> None:
    """Run the callbacks service's command line."""
    main_for(SPEC, Settings, create_app)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
