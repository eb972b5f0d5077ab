"""A callback and the call it came from are one contact: whichever is served first ends the other."""
