"""/api/v1/ for Change Approval (seed 003 ch. 3 proc. 3).

- ``POST /api/v1/changes/{id}/review/``, ``.../approve/``, ``.../reject/``: the rows of
  ``actions.CHANGE`` (the change manager's review; the approvers' decisions, for staff who
  see changes).
- ``GET /api/v1/change-approvals/?change=``: the approval rounds and decisions (staff who
  see changes: all; anyone else: the approvals they were asked for), and
  ``POST /api/v1/change-approvals/{id}/approve/`` and ``.../reject/``: the approver's
  decision on their approval, the way customer representatives (who have no
  ``/api/v1/changes/``) approve.
"""

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.changes import actions as change_actions
from steward.changes import inputs
from steward.changes.choices import ManagerReview, RejectionReason
from steward.changes.filters.approvals import ChangeApprovalFilterSet
from steward.changes.models import ChangeApproval
from steward.changes.queries import approvals as queries
from steward.changes.services.approvals import NOTE_MAX
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, IdField, RecordViewSet, choice_text


class ChangeReviewSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_REVIEW

    review = choice_text(ManagerReview.choices, help_text="The change manager's review.")
    policy = IdField(
        required=False, allow_null=True, help_text="For a policy conflict: the policy's id."
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_MAX,
        help_text="Required when asking for more analysis or a plan adjustment.",
    )


class ChangeApproveSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_APPROVE

    approval = IdField(
        required=False, allow_null=True, help_text="Your approval's id (default: the current)."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class ChangeRejectSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_REJECT

    approval = IdField(
        required=False, allow_null=True, help_text="Your approval's id (default: the current)."
    )
    reason = choice_text(
        RejectionReason.choices,
        help_text="Decides the next step: more analysis, an adjusted plan, or not at all.",
    )
    note = serializers.CharField(max_length=NOTE_MAX, help_text="Why you reject the change.")


class ApprovalNoteSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_APPROVE(approval=None)

    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class ApprovalRejectSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_REJECT(approval=None)

    reason = choice_text(
        RejectionReason.choices,
        help_text="Decides the next step: more analysis, an adjusted plan, or not at all.",
    )
    note = serializers.CharField(max_length=NOTE_MAX, help_text="Why you reject the change.")


class ChangeApprovalSerializer(serializers.ModelSerializer):
    change_number = serializers.CharField(source="change.number", read_only=True)
    change_title = serializers.CharField(source="change.title", read_only=True)
    change_status = serializers.CharField(source="change.status", read_only=True)
    current = serializers.SerializerMethodField(
        help_text="Whether the approval belongs to the change's current round."
    )

    class Meta:
        model = ChangeApproval
        fields = ["id", "change", "change_number", "change_title", "change_status", "round",
                  "current", "approver", "basis", "organisation", "decision", "reason", "note",
                  "decided_at", "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_current(self, approval: ChangeApproval) -> bool:
        return approval.round == approval.change.approval_round


class ChangeApprovalViewSet(ActionEndpoints, RecordViewSet):
    """The approvals of changes (proc. 3): one row per approver and round, with the
    decision and the rejection's reason. An approver decides on their own approval here."""

    action_table = staticmethod(lambda: change_actions.CHANGE_APPROVAL)
    summaries = {"list": "Change approvals", "retrieve": "One change approval"}
    query = queries.approvals_for
    queryset = ChangeApproval.objects.none()
    view_permission = None  # the query narrows: your own approvals unless you see changes
    record_id = "approval_id"
    serializer_class = ChangeApprovalSerializer
    filterset_class = ChangeApprovalFilterSet


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("change-approvals", ChangeApprovalViewSet, basename="change-approval")
