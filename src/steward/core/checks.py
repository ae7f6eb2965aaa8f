"""Steward's own deployment checks, run by ``steward check`` beside Django's."""

import os
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from steward.core import outbound, taskqueue
from steward.core.demo import data
from steward.core.models import Person, WebhookSubscription, WorkerHeartbeat
from steward.core.views.health import STALE_AFTER


@checks.register("steward", deploy=True)
def steward_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        found.append(
            checks.Error(
                f"The database is unreachable: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}",
                hint="Check DATABASE_URL and that the database server is running.",
                id="steward.E001",
            )
        )
        return found
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        found.append(
            checks.Error(
                f"{len(pending)} database migration(s) are not applied.",
                hint="Run `steward init` (or `steward migrate`).",
                id="steward.E002",
            )
        )
    if not pending:
        found += _outbound_checks()
    if connection.vendor == "sqlite":
        found.append(
            checks.Info(
                "Using the embedded SQLite database.",
                hint="Fine for one machine; for several app servers set DATABASE_URL to PostgreSQL.",
                id="steward.I001",
            )
        )
    if not os.environ.get("SECRET_KEY"):
        found.append(
            checks.Warning(
                "SECRET_KEY is not set; a generated key kept under var/ is used.",
                hint="Set SECRET_KEY in the environment so every app server shares it.",
                id="steward.W001",
            )
        )
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend") and settings.EMAIL_HOST in {
        "localhost",
        "127.0.0.1",
    }:
        found.append(
            checks.Warning(
                "Email goes to an SMTP server on localhost.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).",
                id="steward.W002",
            )
        )
    if settings.EMAIL_BACKEND == "steward.core.keptmail.KeptEmailBackend":
        found.append(
            checks.Warning(
                "No mail server is configured: emails are kept in Steward (Administration, "
                "Outgoing email), not sent.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).",
                id="steward.W007",
            )
        )
    if settings.SITE_URL.startswith("http://127.0.0.1"):
        found.append(
            checks.Warning(
                "SITE_URL is the local default; links in emails will point at 127.0.0.1.",
                hint="Set SITE_URL to the address people use, e.g. https://steward.example.com.",
                id="steward.W003",
            )
        )
    found.extend(_lockout_and_throttle_checks())
    return found


def _lockout_and_throttle_checks() -> list[checks.CheckMessage]:
    """Login lockout and API rate limits (steward.core.lockout, steward.core.throttling)."""
    found: list[checks.CheckMessage] = []
    if not settings.AXES_ENABLED or not any(settings.STEWARD_LOGIN_LIMITS.values()):
        found.append(
            checks.Warning(
                "Login lockout is off: passwords can be guessed without limit.",
                hint="Unset STEWARD_LOGIN_LOCKOUT and give STEWARD_LOGIN_FAILURES_* limits above 0.",
                id="steward.W020",
            )
        )
    if not settings.REDIS_URL:
        found.append(
            checks.Info(
                "API rate limits are counted in each process's memory.",
                hint="Fine for one machine; with several app servers set REDIS_URL so they share the counts.",
                id="steward.I020",
            )
        )
    return found


def _outbound_checks() -> list[checks.CheckMessage]:
    """A bad STEWARD_OUTBOUND_ALLOW entry, and subscriptions the outbound guard refuses
    (made before the guard, or whose name resolves elsewhere now): each delivery to them
    fails."""

    try:
        outbound.allowlist()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Fix STEWARD_OUTBOUND_ALLOW.", id="steward.E010")]
    refused = [
        f"{subscription.name} ({reason})"
        for subscription in WebhookSubscription.objects.filter(is_active=True).order_by("name")
        if (reason := outbound.url_refusal(subscription.url)) is not None
    ]
    if not refused:
        return []
    return [
        checks.Warning(
            f"{len(refused)} active webhook subscription(s) point at addresses Steward does "
            f"not call, so their deliveries fail: {', '.join(refused)}",
            hint="Change their URL on the Webhooks page, or open an on-premises receiver "
            "with STEWARD_OUTBOUND_ALLOW.",
            id="steward.W010",
        )
    ]


@checks.register("steward")
def steward_task_queue_checks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A task queue that cannot run tasks: every email, webhook and periodic job fails."""

    problem = taskqueue.rq_job_class_problem()
    if not problem:
        return []
    return [
        checks.Error(
            f"{problem} Every background task would fail ('Task' object is not callable).",
            hint=f"Set RQ = {{'JOB_CLASS': '{taskqueue.RQ_JOB_CLASS}'}} in the settings.",
            id="steward.E003",
        )
    ]


@checks.register("steward", deploy=True)
def steward_demo_people_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The demo's people share a password printed in the README (ASVS V6.3.2)."""

    names = [username for username, _ in data.LOGINS if username != "admin"]
    try:
        present = list(
            Person.objects.filter(username__in=names, is_active=True).values_list(
                "username", flat=True
            )[:3]
        )
    except DatabaseError:
        return []  # steward.E001 says so already
    if not present:
        return []
    return [
        checks.Warning(
            f"The demo people are here ({', '.join(present)}, ...): their password is "
            "published in the README.",
            hint="Use a fresh database for production, or deactivate the demo people.",
            id="steward.W030",
        )
    ]


@checks.register("steward", deploy=True)
def steward_background_checks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Is background work being done: the broker answers, a worker beats, tasks succeed."""

    found: list[checks.CheckMessage] = []
    kind = taskqueue.backend_kind()
    if kind == "rq":
        if not settings.REDIS_URL:
            found.append(
                checks.Warning(
                    "STEWARD_TASKS_BACKEND=rq without REDIS_URL: tasks go to redis://127.0.0.1:6379/0.",
                    hint="Set REDIS_URL to the Redis every node shares.",
                    id="steward.W004",
                )
            )
        broker = taskqueue.broker_status()
        if broker != "ok":
            found.append(
                checks.Error(
                    f"The task broker (Redis) is {broker}",
                    hint="Check REDIS_URL and that Redis is running; until then emails and "
                    "webhooks wait in the outbox.",
                    id="steward.E004",
                )
            )
    if kind == "immediate":
        return found
    try:
        fresh = WorkerHeartbeat.objects.filter(
            kind="worker", seen_at__gte=timezone.now() - STALE_AFTER
        ).exists()
        stats = taskqueue.queue_stats() or {}
    except DatabaseError:
        return found  # steward_deploy_checks reports the database
    if not fresh:
        found.append(
            checks.Warning(
                "No background worker has reported in the last minute.",
                hint="Run `steward serve` (or `steward worker` and `steward scheduler`); until "
                "then emails, webhooks and periodic jobs wait.",
                id="steward.W005",
            )
        )
    failed = stats.get("failed", stats.get("failed_last_day", 0))
    if failed:
        found.append(
            checks.Warning(
                f"{failed} background task(s) failed recently.",
                hint="Read the worker's log for the error.",
                id="steward.W006",
            )
        )
    return found
