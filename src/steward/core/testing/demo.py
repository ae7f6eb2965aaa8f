"""The demo data shared by the tests that read it: loading it is the slowest set-up there is.

A test that reads the demo asks for the ``demo`` fixture (src/steward/conftest.py) and
does not load it itself. The demo is then loaded once per test process (per xdist worker),
in a transaction rolled back when the last such test is done; each test runs in a
savepoint of it (pytest-django's ``db``), so every test meets the demo unchanged. The tests
asking for ``demo`` run one after the other: the root conftest sorts them first, so each
xdist worker handed some runs them before anything else, on its one load (both workers load
it at the same time, at the start). (Not an xdist group: ``--dist loadgroup`` does not
group anything with pytest 9.2, whose items ignore the ``_nodeid`` xdist sets.)
"""

from contextlib import ExitStack
from typing import Any

from django.db import connection, transaction
from django.test import override_settings

from steward.core.demo import loader

# What src/steward/conftest.py sets around each test, in force while the demo loads (a
# session fixture runs before the per-test ones): fast hashing, tasks run at once.
TEST_SETTINGS: dict[str, Any] = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "STEWARD_DEMO_INCIDENTS": 24,
}


def _sequences_from_the_lowest_free_id() -> None:
    """Each table's next id just past its highest (1 when empty), so the demo's first
    records have id 1 whatever ran before on this database (PostgreSQL does not roll its
    sequences back with a test's transaction). Nothing to do on SQLite, whose counters are
    rolled back."""
    from django.apps import apps
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class SharedDemo:
    """The demo loaded into an open transaction, until ``close`` rolls it back."""

    def __init__(self) -> None:
        self._stack: ExitStack | None = None
        self.blocker: Any = None

    @property
    def is_open(self) -> bool:
        return self._stack is not None

    def open(self, django_db_blocker: Any, **settings: Any) -> None:
        if self._stack is not None:
            return
        self.blocker = django_db_blocker
        stack = ExitStack()
        try:
            stack.enter_context(django_db_blocker.unblock())
            stack.enter_context(transaction.atomic())
            stack.callback(transaction.set_rollback, True)
            stack.enter_context(override_settings(**{**TEST_SETTINGS, **settings}))
            _sequences_from_the_lowest_free_id()
            loader.load()
        except BaseException:
            stack.close()
            raise
        self._stack = stack

    def close(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()


SHARED = SharedDemo()
