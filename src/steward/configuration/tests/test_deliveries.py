"""The delivery part of CI Registration (seed 003 ch. 4 proc. 3): the delivery check line by
line and the registration of the delivered CIs in the CMDB."""

import pytest
from django.core.exceptions import ValidationError

from steward.configuration.choices import CIStatus, DeliveryStatus
from steward.configuration.choices import RequisitionStatus as R
from steward.configuration.models import CIChange, ConfigurationItem, Relationship
from steward.configuration.services import cis, deliveries
from steward.configuration.services import requisitions as svc
from steward.configuration.tests.requisition_flow import APPROVED, line

# --- Delivery check input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "message"),
    [
        pytest.param(
            {"delivery_status": "complete", "received_quantity": 1},
            "Line 1: complete means all 2 arrived undamaged.",
            id="complete but short",
        ),
        pytest.param(
            {"delivery_status": "damaged", "received_quantity": 0},
            "Line 1: say when the rest is now expected (ask the supplier).",
            id="no new date",
        ),
        pytest.param(
            {"delivery_status": "missing", "received_quantity": 2, "expected_on": "2999-01-01"},
            "Line 1: between 0 and 1 can have arrived in good condition.",
            id="missing yet all received",
        ),
        pytest.param(
            {"delivery_status": "missing", "expected_on": "2000-01-01"},
            "Line 1: the rest cannot be expected in the past.",
            id="expected in the past",
        ),
        pytest.param(
            {"delivery_status": "pending"},
            "Line 1: choose one of complete, damaged, missing, wrong.",
            id="not checked",
        ),
    ],
)
def test_delivery_check_input_is_checked_per_line(flow, check, message):
    for step in APPROVED:
        getattr(flow, step)()
    with pytest.raises(ValidationError) as exc:
        deliveries.delivery_check(
            actor=flow.admin,
            requisition_id=flow.r.pk,
            lines=[
                {"line": line(flow.r, 1).pk, **check},
                {"line": line(flow.r, 2).pk, "delivery_status": "complete"},
            ],
        )
    assert exc.value.message_dict == {"lines": [message]}
    assert line(flow.r, 1).delivery_status == DeliveryStatus.PENDING


def test_every_line_not_yet_complete_must_be_checked(flow, requisition, config_admin):
    for step in APPROVED:
        getattr(flow, step)()
    other = svc.requisition_create(
        actor=config_admin, title="Other", lines=[{"description": "Mouse"}]
    )
    with pytest.raises(ValidationError) as exc:
        deliveries.delivery_check(
            actor=config_admin,
            requisition_id=flow.r.pk,
            lines=[{"line": other.lines.get().pk, "delivery_status": "complete"}],
        )
    messages = exc.value.message_dict["lines"]
    assert messages[0].startswith(f"Line item {other.lines.get().pk} is not")
    assert messages[1] == "Check every line not yet complete (line 1, 2)."


# --- Registration in the CMDB -------------------------------------------------------------------


def test_registering_creates_the_cis_in_stock_linked_to_their_lines(flow, server, runs_on):
    rack = cis.ci_create(actor=flow.admin, ci_class=server, name="Rack 7", attributes={"ram_gb": 0})
    for step in [*APPROVED, "deliver_complete"]:
        getattr(flow, step)()
    deliveries.requisition_register_cis(
        actor=flow.admin,
        requisition_id=flow.r.pk,
        lines=[
            {
                "line": line(flow.r, 1).pk,
                "serial_numbers": ["SN-1", "SN-2"],
                "names": ["db-01", "db-02"],
                "attributes": {"ram_gb": "512"},
                "relationships": [{"type": runs_on, "target": rack}],
            },
            {"line": line(flow.r, 2).pk, "ci_class": server, "attributes": {"ram_gb": 0}},
        ],
    )
    first = line(flow.r, 1)
    made = list(first.registered_cis.order_by("name"))
    assert [(c.name, c.serial_number, c.status, c.attributes) for c in made] == [
        ("db-01", "SN-1", CIStatus.IN_STOCK, {"ram_gb": 512}),
        ("db-02", "SN-2", CIStatus.IN_STOCK, {"ram_gb": 512}),
    ]
    assert [c.name for c in line(flow.r, 2).registered_cis.all()] == ["Rack rails"]
    assert set(CIChange.objects.filter(ci__in=made).values_list("cause", flat=True)) == {
        flow.r.number
    }
    assert Relationship.objects.filter(source__in=made, target=rack, type=runs_on).count() == 2
    flow.r.refresh_from_db()
    assert flow.r.status == R.REGISTERED


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            {"serial_numbers": ["SN-1"]}, "Line 1: Give 2 serial numbers, one per CI.", id="count"
        ),
        pytest.param(
            {"serial_numbers": ["SN-1", "SN-1"]},
            "Line 1: A serial number is given twice.",
            id="twice",
        ),
        pytest.param({}, "Line 1: RAM is required.", id="mandatory"),
    ],
)
def test_registration_is_all_or_nothing(flow, server, spec, message):
    for step in [*APPROVED, "deliver_complete"]:
        getattr(flow, step)()
    before = ConfigurationItem.objects.count()
    with pytest.raises(ValidationError) as exc:
        deliveries.requisition_register_cis(
            actor=flow.admin,
            requisition_id=flow.r.pk,
            lines=[{"line": line(flow.r, 1).pk, **spec}],
        )
    assert exc.value.message_dict == {"lines": [message]}
    assert ConfigurationItem.objects.count() == before
    flow.r.refresh_from_db()
    assert flow.r.status == R.DELIVERED


def test_a_line_without_a_ci_class_needs_one_to_be_registered(flow):
    for step in [*APPROVED, "deliver_complete"]:
        getattr(flow, step)()
    with pytest.raises(ValidationError) as exc:
        deliveries.requisition_register_cis(
            actor=flow.admin,
            requisition_id=flow.r.pk,
            lines=[{"line": line(flow.r, 1).pk, "attributes": {"ram_gb": 1}}],
        )
    assert exc.value.message_dict == {"lines": ["Line 2: Choose the CI class of these CIs."]}
