"""Frontdoor's shared platform library."""

__version__ = "0.1.0"
