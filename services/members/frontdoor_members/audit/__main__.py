"""`python -m frontdoor_members.audit verify [--tenant T]` (see verify.py)."""

from __future__ import annotations

import sys

from frontdoor_members.audit.verify import main

sys.exit(main())
