"""Benchmarks of the shared platform (`make bench-relay`)."""
