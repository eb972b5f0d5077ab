"""The survey conversation: a pure state machine and its texts in four languages."""
