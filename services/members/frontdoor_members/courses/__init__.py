"""Courses and events of the union (issue 16): the catalogue, sign-ups in the call, the waiting list."""
