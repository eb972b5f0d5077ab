"""Notices: what the platform tells a member by SMS (confirmations, reminders, waiting-list moves)."""
