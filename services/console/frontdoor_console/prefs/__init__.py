"""The user's own choices (their language)."""
