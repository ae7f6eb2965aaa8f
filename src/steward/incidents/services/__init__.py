"""Writes of Incident Management, one module per part: ``incidents`` (procedures 1-6),
``solutions`` (procedures 4, 6, 7), ``mail`` (the email channel)."""
