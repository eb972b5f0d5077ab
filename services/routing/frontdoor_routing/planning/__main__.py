"""`python -m frontdoor_routing.planning`."""

from __future__ import annotations

import sys

from frontdoor_routing.planning.cli import main

if __name__ == "__main__":
    sys.exit(main())
