"""presence."""
