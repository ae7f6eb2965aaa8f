"""Background jobs of Configuration Management: the daily integrity checks and the daily
contract round (expire what has ended, remind owners of what ends soon).

Importing this module (from ``ConfigurationConfig.ready``) registers the periodic jobs.
Each is idempotent: running it twice in a day expires and reminds nothing twice; a
second integrity run only adds another point to the trend.
"""

from django_tasks import task

from steward.configuration.services import contracts, integrity
from steward.core.scheduler import periodic


@periodic("configuration.integrity_checks", "30 4 * * *")
@task()
def run_integrity_checks() -> int:
    """The daily CMDB integrity run (missing attributes, broken rules, orphans, stale
    CIs, duplicate serial numbers); returns the run's id."""
    return integrity.integrity_run_scheduled().pk


@periodic("configuration.contract_round", "0 6 * * *")
@task()
def contract_round() -> dict[str, int]:
    """Expire the contracts that ended, then remind owners of those ending soon."""
    return {
        "expired": contracts.contracts_expire_due(),
        "reminded": contracts.contract_expiry_reminders(),
    }
