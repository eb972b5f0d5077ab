"""`python -m frontdoor_common.catalogue`: print the JSON Schema catalogue of every event."""

from __future__ import annotations

import json

from frontdoor_common.bus.events import event_catalogue


def main() -> None:
    """Print the catalogue."""
    print(json.dumps(event_catalogue(), indent=2, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
