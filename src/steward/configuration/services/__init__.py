"""Writes of Configuration Management, one module per part of the process:
``cmdb`` (classes, CIs, relationships: procedures 3 and 4), ``suppliers`` (procedure 2),
``contracts`` (procedure 5), ``purchasing`` (procedures 1 and 3), ``baselines`` and
``integrity``."""
