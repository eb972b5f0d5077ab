"""What this service knows of a tenant from the agents service: its time zone (for local days)."""
