"""availability."""
