"""Offers to agents: their event streams (`/v1/agents/{id}/offers`), accept and reject."""
