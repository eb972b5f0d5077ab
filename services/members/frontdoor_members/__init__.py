"""Frontdoor members: registry, caller identification, verification, dossier."""
