"""/api/v1/problems/{id}/<step>/ bodies of the root cause analysis (seed 003 ch. 9 proc.
2): the specialist's rows of ``steward.problems.actions.PROBLEM`` (analysis section)."""

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.base import GuardedSerializer, IdField
from steward.problems import inputs


class ProblemWorkaroundSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_WORKAROUND

    workaround = serializers.CharField(max_length=20000, help_text="The temporary workaround.")
    workaround_steps = serializers.CharField(max_length=20000, required=False, allow_blank=True,
                                             help_text="How to apply it.")  # fmt: skip


class ProblemRootCauseSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_ROOT_CAUSE

    root_cause = serializers.CharField(max_length=20000)


class ProblemOptionAddSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_OPTION_ADD

    description = serializers.CharField(max_length=20000, help_text="A structural solution.")
    recommended = serializers.BooleanField(required=False, default=False,
                                           help_text="The preferred one (one at a time).")  # fmt: skip


class ProblemOptionRefSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_OPTION

    option = IdField(help_text="One of the problem's structural solution options.")


class ProblemCompleteAnalysisSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_COMPLETE_ANALYSIS

    change_management_required = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="For the recommended solution; false: the specialist implemented it.",
    )  # fmt: skip
    no_root_cause_reason = serializers.CharField(max_length=20000, required=False,
                                                 allow_blank=True)  # fmt: skip
    no_solution_reason = serializers.CharField(max_length=20000, required=False,
                                               allow_blank=True)  # fmt: skip
    no_workaround_reason = serializers.CharField(
        max_length=20000, required=False, allow_blank=True,
        help_text="Incident requests are linked but no workaround was found: why.",
    )  # fmt: skip


class ProblemFixDoneSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_FIX_DONE

    note = serializers.CharField(max_length=20000, required=False, allow_blank=True)


def register(router: DefaultRouter) -> None:
    """Nothing to route: the steps are endpoints of ``api/problems.py``'s viewset."""
