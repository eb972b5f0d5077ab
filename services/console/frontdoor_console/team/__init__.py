"""The team lead's view: workload against target, satisfaction against its target, KPIs."""
