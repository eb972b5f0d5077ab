"""Frontdoor routing: queues, calls, offers, real-time stats and KPIs."""
