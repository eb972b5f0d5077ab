"""Follows a dispatched callback through routing's call events (kind="callback")."""
