"""The console's tests: the platform as processes (as `make run` starts it), Chromium, helpers.

The browser tests drive Debian's Chromium (`/usr/bin/chromium`, installed by `make browser`)
with Playwright; they skip, saying so, where it is missing. The helper modules beside this
file are imported by name (the suite runs in importlib mode, which does not put test folders on
the path); they are named console_* so that no other folder's modules can shadow them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from console_fixtures import api, browser, console, platform  # noqa: F401
