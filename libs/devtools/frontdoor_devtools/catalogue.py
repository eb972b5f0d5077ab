"""`python -m frontdoor_devtools.catalogue` (`make catalogue`): print the JSON Schema catalogue of every event."""

from __future__ import annotations

import json
from typing import Any

import frontdoor_common.events  # defines, and so registers, every event class of the platform
from frontdoor_common.bus.events import event_catalogue, registered_events


def catalogue() -> dict[str, Any]:
    """The envelope's and every platform event's JSON Schema, by event name (the contracts in
    `frontdoor_common.events`; events that tests define for themselves are left out)."""
    package = frontdoor_common.events.__name__ + "."
    return event_catalogue({n: c for n, c in registered_events().items() if c.__module__.startswith(package)})


def main() -> None:
    """Print the catalogue."""
    print(json.dumps(catalogue(), indent=2, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
