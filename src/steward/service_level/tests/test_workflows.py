"""The transition tables of Service Level Management, every pair of statuses."""

import itertools

import pytest

from steward.core.errors import InvalidTransition
from steward.service_level import workflows
from steward.service_level.choices import (
    AgreementStatus as A,
)
from steward.service_level.choices import (
    CatalogItemStatus as C,
)
from steward.service_level.choices import (
    ServiceStatus as S,
)

# What each status may become (seed 003 ch. 11 proc. 1, 2 and 4); everything else is refused.
EXPECTED = [
    (
        workflows.CATALOG_ITEM,
        C,
        {
            C.DRAFT: {C.IN_APPROVAL, C.FAILED},
            C.IN_APPROVAL: {C.DRAFT, C.APPROVED, C.FAILED},
            C.APPROVED: {C.PUBLISHED, C.DRAFT},
            C.PUBLISHED: {C.DISCONTINUED},
            C.FAILED: {C.DRAFT},
            C.DISCONTINUED: set(),
        },
    ),
    (
        workflows.AGREEMENT,
        A,
        {
            A.DRAFT: {A.ACTIVE, A.NOT_SIGNED},
            A.NOT_SIGNED: {A.DRAFT},
            A.ACTIVE: {A.DISCONTINUED},
            A.DISCONTINUED: set(),
        },
    ),
    (
        workflows.SERVICE,
        S,
        {
            S.IN_DESIGN: {S.ACTIVE, S.DISCONTINUED},
            S.ACTIVE: {S.DISCONTINUED},
            S.DISCONTINUED: {S.ACTIVE},
        },
    ),
]

CASES = [
    pytest.param(wf, old, new, new in table[old], id=f"{wf.name}: {old} -> {new}")
    for wf, choices, table in EXPECTED
    for old, new in itertools.product(choices.values, repeat=2)
]


@pytest.mark.parametrize(("workflow", "old", "new", "allowed"), CASES)
def test_every_pair_of_statuses(workflow, old, new, allowed):
    assert workflow.can(old, new) is allowed
    if allowed:
        workflow.check(old, new)
    else:
        with pytest.raises(InvalidTransition):
            workflow.check(old, new)


def test_discontinued_items_and_agreements_are_final():
    assert workflows.CATALOG_ITEM.allowed(C.DISCONTINUED) == frozenset()
    assert workflows.AGREEMENT.allowed(A.DISCONTINUED) == frozenset()
