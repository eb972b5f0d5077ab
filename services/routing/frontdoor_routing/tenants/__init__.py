"""What routing keeps of a tenant from other services: opening, time zone and country, contact reasons."""
