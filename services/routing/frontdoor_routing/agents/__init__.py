"""Routing's replica of the agents: their events, and the reconcile with the agents service."""
