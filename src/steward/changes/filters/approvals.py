"""The change approval filter set (proc. 3), for /api/v1/change-approvals/."""

import django_filters

from steward.changes.choices import ApprovalBasis, ApprovalDecision
from steward.changes.models import ChangeApproval
from steward.core.filters import IdFilter


class ChangeApprovalFilterSet(django_filters.FilterSet):
    change = IdFilter(field_name="change_id", label="Change (id)")
    approver = IdFilter(field_name="approver_id", label="Approver (id)")
    round = django_filters.NumberFilter(field_name="round", min_value=1, max_value=2**31 - 1)
    decision = django_filters.MultipleChoiceFilter(choices=ApprovalDecision.choices)
    basis = django_filters.ChoiceFilter(choices=ApprovalBasis.choices)

    class Meta:
        model = ChangeApproval
        fields = ["decision", "basis"]
