"""Pure rules about identifiers: national IDs, phone numbers, KID numbers, names.

No I/O here; each function takes what it needs and returns a value or raises
`IdentityError`, whose message never contains the value it refused.
"""


class IdentityError(ValueError):
    """An identifier breaks its rules; the message names the rule, never the value."""
