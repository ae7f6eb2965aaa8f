"""Writes of Incident Management, one module per procedure of seed 003 ch. 8:
``registration`` (1), ``assignment`` (2), ``tracking`` (3), ``resolution`` (4),
``escalation`` (5), ``closure`` (6), with ``common`` (their helpers) and ``incidents`` (the
one name for all of them that pages, the API and tasks call); ``solutions`` (4, 6, 7),
``actions``, ``routing``, ``people``, ``mail`` (the email channel), ``reporting``."""
