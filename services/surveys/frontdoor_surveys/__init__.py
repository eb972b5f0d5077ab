"""Frontdoor surveys: post-call SMS surveys and the satisfaction index."""
