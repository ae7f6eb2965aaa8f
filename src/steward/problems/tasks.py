"""Background jobs of Problem Management. Importing this module (from
``ProblemsConfig.ready``) registers the periodic jobs; each is idempotent."""

# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)
from django_tasks import task

from steward.core.scheduler import periodic
from steward.problems.services import candidates as _candidates


@periodic("problems.candidates", "17 * * * *")
@task()
def refresh_candidates() -> dict:
    """Propose clusters of similar recent incident requests as problem candidates."""
    return _candidates.candidates_refresh()


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)
