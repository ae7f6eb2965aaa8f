"""The demo data shared by the tests of one module: loading it is the slowest set-up there is."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.test import override_settings

from steward.core.demo import loader

# What src/steward/conftest.py sets around each test, in force while the demo loads (a
# module fixture runs before the per-test ones): fast hashing, tasks run at once.
TEST_SETTINGS: dict[str, Any] = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "STEWARD_DEMO_INCIDENTS": 24,
}


@contextmanager
def shared_demo(django_db_blocker: Any, **settings: Any) -> Iterator[None]:
    """The demo loaded once, in a transaction rolled back when the module's tests are done;
    each test runs in a savepoint of it (pytest-django's ``db``), so every test meets the
    demo unchanged. ``settings`` are kept in force for the module's tests too."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(**{**TEST_SETTINGS, **settings}):
            loader.load()
            yield
        transaction.set_rollback(True)
