"""The demo data set: a service provider, its customers, suppliers, people in every role.

Loaded by ``steward demo`` (and by ``make run`` into an empty database). Idempotent:
running it again adds what is missing and changes nothing else. Later areas extend
it with steps registered in their AppConfig.ready() (``core.registry.demo_step``).
"""
