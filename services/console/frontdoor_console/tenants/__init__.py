"""What the console needs to know of a tenant: its zone, country, reasons (cached)."""
