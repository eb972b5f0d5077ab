"""The routing service's HTTP API."""
