"""Members and agents a callback may name: a mirror from their events, and a REST check on a miss."""
