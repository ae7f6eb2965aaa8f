"""Background jobs of Problem Management. Importing this module (from
``ProblemsConfig.ready``) registers the periodic jobs; each is idempotent."""

from django_tasks import task

from steward.core.scheduler import periodic
from steward.problems.services import candidates as _candidates
from steward.problems.services import closure as _closure

# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)


@periodic("problems.candidates", "17 * * * *")
@task()
def refresh_candidates() -> dict:
    """Propose clusters of similar recent incident requests as problem candidates."""
    return _candidates.candidates_refresh()


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)


@periodic("problems.impasse_rechecks", "0 7 * * *")
@task()
def impasse_rechecks() -> int:
    """Remind the problem coordinators of the impasses whose re-check date has come."""
    return _closure.impasse_rechecks()
