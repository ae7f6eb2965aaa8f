"""Steward's own deployment checks, run by ``steward check`` beside Django's."""

import os
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


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
    from steward.core import outbound
    from steward.core.models import WebhookSubscription

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
