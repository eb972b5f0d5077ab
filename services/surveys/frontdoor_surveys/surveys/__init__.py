"""Surveys: created from completed calls and callbacks, driven by inbound SMS, expired on time."""
