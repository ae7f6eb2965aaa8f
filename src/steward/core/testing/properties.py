"""Hypothesis settings shared by the property tests."""

from hypothesis import HealthCheck, settings

# Property tests that write rows in every example: the test's database (a function-scoped
# fixture) is shared by its examples on purpose, and an example may take a while.
DATABASE_PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
