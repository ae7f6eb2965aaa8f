"""Writes of Configuration Management, one module per topic, named as in queries/, filters/,
api/, views/ and forms/: ``cis`` (classes, CIs, relationships: procedures 3 and 4),
``suppliers`` (procedure 2), ``contracts`` (procedure 5), ``requisitions`` and
``deliveries`` (procedures 1 and 3), ``baselines``, ``integrity``, ``standard`` (the
standard catalogue ``steward init`` adds) and ``transfer`` (CSV/JSON import and export)."""
