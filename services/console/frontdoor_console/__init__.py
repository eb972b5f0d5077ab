"""Frontdoor console: the screens a union's staff work in (a backend-for-frontend)."""
