"""The crash-safety (chaos) test: registered marker; the test itself skips unless CHAOS_CYCLES is set."""

from __future__ import annotations

import sys
from pathlib import Path

# The test's helper modules (chaos_platform, chaos_load, chaos_checks) sit beside it; the suite
# imports in importlib mode, which does not put test directories on the path.
sys.path.insert(0, str(Path(__file__).parent))

# The `chaos` marker is registered in pyproject.toml (libs/common's broker-restart test uses it too).
