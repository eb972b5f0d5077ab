"""Calls: the lifecycle the CTI drives (`/v1/calls`), caller identification, contact reasons."""
