"""/api/v1/problems/{id}/close|reassign-solution|impasse|reopen-analysis/: the request
bodies of Problem Closure (seed 003 ch. 9 proc. 4). The endpoints come from the rows of
``steward.problems.actions.PROBLEM``; a closure refused for recurrences answers 400 naming
``override_reason`` with the recurring incident requests' numbers."""

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.base import GuardedSerializer, IdField
from steward.problems import inputs


class ProblemCloseSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_CLOSE

    note = serializers.CharField(required=False, allow_blank=True,
                                 help_text="How the solution was verified.")  # fmt: skip
    override_reason = serializers.CharField(
        required=False, allow_blank=True,
        help_text="Close although incident requests of its kinds recur since the change.",
    )  # fmt: skip


class ProblemReassignSolutionSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_REASSIGN

    specialist = IdField(help_text="A specialist of the problem's group.")
    note = serializers.CharField(help_text="What other structural solution may work.")


class ProblemImpasseSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_IMPASSE

    reason = serializers.CharField(help_text="Why there is no practical solution for now.")
    recheck_on = serializers.DateField(help_text="When to check for new possibilities.")


class ProblemReopenAnalysisSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_REOPEN

    specialist = IdField(help_text="The specialist (of the group, when it has one).")
    note = serializers.CharField(help_text="The new approach or technology.")


def register(router: DefaultRouter) -> None:
    """Nothing to route: the steps are endpoints of /api/v1/problems/."""
