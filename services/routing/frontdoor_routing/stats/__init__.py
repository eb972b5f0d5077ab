"""Statistics: the queues now and today (`/v1/queues/{id}/stats`), and the KPI report (`/v1/kpis`)."""
