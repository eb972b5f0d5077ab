"""Frontdoor agents: staff, queue memberships, presence, calendars, opening hours."""
