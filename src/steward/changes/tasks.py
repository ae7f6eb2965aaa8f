"""Background jobs of Change Management. Importing this module (from
``ChangesConfig.ready``) registers the periodic jobs; each is idempotent."""
