"""Background jobs of Problem Management. Importing this module (from
``ProblemsConfig.ready``) registers the periodic jobs; each is idempotent."""

# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)

# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)
from django_tasks import task

from steward.core.scheduler import periodic
from steward.problems.services import closure as _closure


@periodic("problems.impasse_rechecks", "0 7 * * *")
@task()
def impasse_rechecks() -> int:
    """Remind the problem coordinators of the impasses whose re-check date has come."""
    return _closure.impasse_rechecks()
