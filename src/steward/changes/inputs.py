"""Who may set which field of each Change Management write (core.fields; issue 10)."""
