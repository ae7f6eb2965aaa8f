"""Background jobs of Event Management. Importing this module (from ``EventsConfig.ready``)
registers the periodic jobs; each is idempotent."""
