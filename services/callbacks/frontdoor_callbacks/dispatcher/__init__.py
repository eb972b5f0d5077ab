"""The dispatcher: hands due callbacks to routing, expires late ones, raises deadline priorities."""
