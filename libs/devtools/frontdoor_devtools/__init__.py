"""Frontdoor's developer tools, kept out of the runtime library (`frontdoor_common`) and the image.

- `python -m frontdoor_devtools.demo` (`make demo`): the platform started and driven over REST.
- `python -m frontdoor_devtools.catalogue` (`make catalogue`): the JSON Schema of every event.
- `python -m frontdoor_devtools.bench.relay` (`make bench-relay`): the outbox relay's throughput
  and latency.

They use `frontdoor_common` (and its test support, `frontdoor_common.testing`); nothing in
`frontdoor_common` or a service imports them.
"""
