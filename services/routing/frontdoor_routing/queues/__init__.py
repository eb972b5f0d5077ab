"""Queues ("loops"): their settings (`/v1/queues`), kept in the routing core."""
