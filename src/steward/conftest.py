"""Fixtures shared by every area's tests."""

import logging

import pytest
from rest_framework.test import APIClient

from steward.core.tests.factories import (
    OrganisationFactory,
    PersonFactory,
    make_person,
)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # Tasks run in-process at enqueue time (enqueues happen on commit), so tests see
    # their effects without a worker; the worker itself is tested separately.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The production hasher costs over a second per person on a small CI machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Other areas' demo tests load the whole demo; a short incident history is enough
    # for them (incidents/tests/test_demo.py checks the full one).
    settings.STEWARD_DEMO_INCIDENTS = 24
    # API rate limits off, so no test is refused by the calls of the tests before it;
    # core/tests/test_throttling.py sets low rates where it wants them.
    settings.STEWARD_API_RATES = {"user": "", "anon": ""}


@pytest.fixture(autouse=True)
def _fresh_reference_cache():
    # Each test starts from its own database state: nothing cached by an earlier test
    # (whose transaction was rolled back or whose tables were flushed) may be reused.
    from steward.core import refcache

    refcache.forget()
    yield
    refcache.forget()


@pytest.fixture(autouse=True)
def _test_events():
    # The few test-only webhook events core's outbox and webhook tests publish.
    from steward.core import events
    from steward.core.tests.factories import TEST_EVENTS, declare_test_events

    declare_test_events()
    yield
    events.forget(*TEST_EVENTS)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def provider(db):
    return OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")


@pytest.fixture
def admin_person(db, provider):
    return make_person("system_administrator", organisation=provider, username="admin")


@pytest.fixture
def analyst(db, provider):
    return make_person("service_desk_analyst", organisation=provider, username="analyst")


@pytest.fixture
def no_role_person(db, provider):
    return PersonFactory(username="norole", organisations=[provider])


@pytest.fixture
def customer_org(db):
    return OrganisationFactory(kind="customer", name="Acme Bank", code="acme")


@pytest.fixture
def other_customer_org(db):
    return OrganisationFactory(kind="customer", name="Globex", code="globex")


@pytest.fixture
def requester(db, customer_org):
    return make_person("requester", organisation=customer_org, username="requester")


@pytest.fixture
def api():
    """An API client; ``api.as_(person)`` authenticates as that person."""

    class Client(APIClient):
        def as_(self, person):
            self.force_authenticate(person)
            return self

    return Client()


@pytest.fixture(scope="session")
def _shared_demo(django_db_setup, django_db_blocker):
    from steward.core.testing.demo import SHARED

    SHARED.open(django_db_blocker)
    yield SHARED
    SHARED.close()


@pytest.fixture
def demo(_shared_demo, db):
    """The demo data, loaded once per test process and shared by every test asking for it
    (``core.testing.demo``); the test runs in a savepoint of it, so it may write."""


# Modules whose single tests each take tens of seconds (a whole demo data set, thousands of
# generated requests, a generated client type-checked, a browser). They run first: handed
# out last, one of them keeps a worker busy while the other has nothing left to do.
SLOW_FIRST = (
    "core/tests/test_api_fuzz.py",
    "core/tests/test_api_client.py",
    "/browser/",
    "/test_demo",
)


def _uses_demo(item: pytest.Item | None) -> bool:
    return item is not None and "_shared_demo" in getattr(item, "fixturenames", ())


def _slow_first(item: pytest.Item) -> tuple[bool, bool]:
    path = item.nodeid.split("::", 1)[0]
    return not _uses_demo(item), not any(part in path for part in SLOW_FIRST)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """The tests reading the shared demo first and together (each worker that gets some
    loads the demo once, for all of them), then the slowest modules (``SLOW_FIRST``);
    tests marked postgres_only skip, with the reason, when the suite runs on SQLite."""
    from django.conf import settings

    # A stable sort, before pytest-django's (also stable) puts the transactional tests after
    # the others, as Django does: the slow ones come first within each of its groups.
    items.sort(key=_slow_first)
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks across processes); run `make test-postgres`"
    )
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def receiver(settings):
    """A webhook receiver on loopback, which the outbound guard refuses unless allowed."""
    from steward.core.tests.processes import HookReceiver

    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    hook = HookReceiver()
    yield hook
    hook.close()


def pytest_configure(config: pytest.Config) -> None:
    # The local SMTP servers (aiosmtpd) log each connection from their own thread, some
    # after pytest has closed the captured stream: "Logging error" noise in the output.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    # A demo test after the shared demo was closed (the demo tests did not all run one
    # after the other, e.g. some were picked by -k after others): load it again.
    from steward.core.testing.demo import SHARED

    if _uses_demo(item) and not SHARED.is_open and SHARED.blocker is not None:
        SHARED.open(SHARED.blocker)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # The shared demo is rolled back as soon as no demo test follows: the tests after it
    # meet an empty database, as everywhere else.
    from steward.core.testing.demo import SHARED

    try:
        return (yield)
    finally:
        if SHARED.is_open and not _uses_demo(nextitem):
            SHARED.close()
