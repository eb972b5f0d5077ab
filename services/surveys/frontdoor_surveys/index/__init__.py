"""The satisfaction index (0-100) by period, queue, team and agent, against the tenant's target."""
