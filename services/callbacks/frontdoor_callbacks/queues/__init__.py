"""The local replica of routing's queues (from `routing.queue.upserted`)."""
