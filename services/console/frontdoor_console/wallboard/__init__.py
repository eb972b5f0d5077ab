"""The supervisor's wallboard: every queue, live."""
