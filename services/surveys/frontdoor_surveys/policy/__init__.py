"""The tenant's survey policy: which contacts get a survey, when, and with which questions."""
