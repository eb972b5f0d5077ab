"""Callbacks in the queues: a dispatched callback waits as a task; one closed elsewhere leaves."""
