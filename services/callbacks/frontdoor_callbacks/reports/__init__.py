"""Callback reports: what waits now, and how a period went."""
