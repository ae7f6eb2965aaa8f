"""Background jobs of Incident Management."""
