"""Frontdoor callbacks: requests, windows, deadlines, attempts."""
