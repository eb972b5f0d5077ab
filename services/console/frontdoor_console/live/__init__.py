"""Live boards: what the services' events change, pushed to browsers over server-sent events."""
