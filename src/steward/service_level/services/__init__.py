"""Writes of Service Level Management (seed 003 ch. 11), one module per procedure:

- ``services``: business services (register, change, status).
- ``catalog``: Service Catalog Maintenance (proc. 1) and catalog item discontinuation.
- ``customers``: Customer Information Maintenance (proc. 3).
- ``agreements``: Service Activation (proc. 2), targets, signatures, termination (proc. 4)
  and outages.
- ``reviews``: SLA Review and Request Handling (proc. 5).

Import the module you need (``from steward.service_level.services import catalog``).
"""
