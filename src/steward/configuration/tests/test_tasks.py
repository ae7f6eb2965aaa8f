"""The daily jobs of Configuration Management are registered and do their rounds."""

import datetime as dt

import pytest

from steward.configuration import tasks
from steward.configuration.models import IntegrityRun
from steward.core.scheduler import jobs

pytestmark = pytest.mark.django_db


def test_the_periodic_jobs_are_registered():
    names = {job.name: job.cron for job in jobs()}
    assert names["configuration.integrity_checks"] == "30 4 * * *"
    assert names["configuration.contract_round"] == "0 6 * * *"


def test_the_scheduled_integrity_run_uses_the_configured_age(settings):
    settings.CMDB_STALE_AFTER_DAYS = 42
    run_id = tasks.run_integrity_checks.call()
    run = IntegrityRun.objects.get(pk=run_id)
    assert (run.trigger, run.actor, run.stale_after_days) == ("scheduled", None, 42)
    assert run.finished_at is not None and set(run.counts) == {
        "missing_mandatory", "broken_rule", "orphan", "stale", "duplicate_serial",
    }  # fmt: skip


def test_the_daily_contract_round_expires_then_reminds_once(config_admin):
    from django.utils import timezone

    from steward.configuration.models import Contract
    from steward.configuration.services import contracts as contract_svc
    from steward.configuration.services import suppliers as supplier_svc

    today = timezone.localdate()
    supplier = supplier_svc.supplier_register(actor=config_admin, name="Globex")

    def contract(title: str, ends_on: dt.date) -> Contract:
        return contract_svc.contract_register(
            actor=config_admin, title=title, kind="support", supplier=supplier,
            starts_on=today - dt.timedelta(days=400), ends_on=ends_on, owner=config_admin,
        )  # fmt: skip

    ended = contract("Old support", today - dt.timedelta(days=1))
    ending = contract("Storage support", today + dt.timedelta(days=20))
    assert tasks.contract_round.call() == {"expired": 1, "reminded": 1}
    assert tasks.contract_round.call() == {"expired": 0, "reminded": 0}
    ended.refresh_from_db()
    ending.refresh_from_db()
    assert (ended.status, ending.status, ending.reminded_for_end) == (
        "expired", "active", ending.ends_on,
    )  # fmt: skip
    assert config_admin.notifications.filter(record_id=ending.pk).count() == 1
