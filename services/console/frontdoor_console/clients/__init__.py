"""The console's HTTP clients to the five services, with their faults as exceptions."""
