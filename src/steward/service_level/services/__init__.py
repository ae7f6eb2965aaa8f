"""Writes of Service Level Management (seed 003 ch. 11), one module per procedure:

- ``services``: business services (register, change, status).
- ``catalog``: Service Catalog Maintenance (proc. 1) and catalog item discontinuation.
- ``customers``: Customer Information Maintenance (proc. 3).
- ``agreements``: Service Activation (proc. 2), targets, signatures, termination (proc. 4)
  and outages.
- ``reviews``: SLA Review and Request Handling (proc. 5).
- ``reporting``: the periodic service reports to customers (ISO/IEC 20000 service
  reporting), sent by the ``service_level.service_reports`` job.
- ``slt``: service level targets put to work: the SLA, OLA and UC clocks of a new record,
  started by the services of the areas that measure records (incidents).

The figures of a review term are reads: ``queries/reviews.py``.

Import the module you need (``from steward.service_level.services import catalog``).
"""
