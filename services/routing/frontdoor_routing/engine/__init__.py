"""The routing engine: the one owner of the in-memory cores and their persistence.

- `engine.py`: `Engine`, the single writer (one lock, one transaction per change, rebuild on failure);
- `mutation.py`: `Mutation`, one change (or read) of a tenant: the core's decisions become rows and events;
- `loading.py`: a tenant rebuilt from the database (queues, agents, waiting and busy calls, offers);
- `tenant.py`: a tenant's in-memory state around its core;
- `offer_hub.py`: offers fanned out to agents' event streams after commit;
- `timers.py`: the worker that advances the cores' timers.
"""
