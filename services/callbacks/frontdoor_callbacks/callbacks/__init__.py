"""Callback requests: create, deduplicate, list, record attempts."""
