"""The agent desk: my status, colleagues, the offered call, the call itself."""
