"""The purchase requisition flow of the tests (seed 003 ch. 4 proc. 1 and 3): each step by
name, so a test states a path through the flow as a list of step names."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from steward.configuration.choices import Decision, DeliveryStatus
from steward.configuration.services import deliveries
from steward.configuration.services import requisitions as svc
from steward.core.choices import JournalKind
from steward.core.models import Notification
from steward.core.testing.journal import journal_of


def statuses(record):
    """The status path of the record's journal."""
    return [e.new_value for e in journal_of(record, kind=JournalKind.TRANSITION)]


def told(person, event):
    return list(Notification.objects.filter(recipient=person, event=event))


def line(requisition, position):
    return requisition.lines.get(position=position)


# --- Steps of the flow, by name ----------------------------------------------------------------


class Flow:
    def __init__(self, requisition, config_admin, agent, fin, controller, dell, server):
        self.r, self.admin, self.agent = requisition, config_admin, agent
        self.fin, self.controller, self.dell, self.server = fin, controller, dell, server

    def submit(self):
        svc.requisition_submit(actor=self.admin, requisition_id=self.r.pk)

    def quote(self):
        svc.quote_record(
            actor=self.agent,
            requisition_id=self.r.pk,
            supplier=self.dell,
            amount=Decimal("17000.00"),
            selected=True,
        )

    def ask(self):
        svc.approval_request(
            actor=self.agent, requisition_id=self.r.pk, approvers=[self.fin, self.controller]
        )

    def approve_fin(self):
        svc.requisition_decide(actor=self.fin, requisition_id=self.r.pk, decision=Decision.APPROVED)

    def approve_ctrl(self):
        svc.requisition_decide(
            actor=self.controller, requisition_id=self.r.pk, decision=Decision.APPROVED
        )

    def reject_ctrl(self):
        svc.requisition_decide(
            actor=self.controller,
            requisition_id=self.r.pk,
            decision=Decision.REJECTED,
            comment="Not in this year's budget.",
        )

    def order(self):
        svc.requisition_order(actor=self.agent, requisition_id=self.r.pk, order_reference="PO-1")

    def _check(self, first_status, received):
        expected = timezone.localdate() + dt.timedelta(days=7)
        deliveries.delivery_check(
            actor=self.admin,
            requisition_id=self.r.pk,
            lines=[
                {
                    "line": line(self.r, 1).pk,
                    "delivery_status": first_status,
                    "received_quantity": received,
                    "expected_on": None if first_status == DeliveryStatus.COMPLETE else expected,
                    "note": "" if first_status == DeliveryStatus.COMPLETE else "Box crushed",
                },
                {"line": line(self.r, 2).pk, "delivery_status": DeliveryStatus.COMPLETE},
            ],
        )

    def deliver_complete(self):
        self._check(DeliveryStatus.COMPLETE, 2)

    def deliver_damaged(self):
        self._check(DeliveryStatus.DAMAGED, 1)

    def deliver_missing(self):
        self._check(DeliveryStatus.MISSING, 0)

    def deliver_wrong(self):
        self._check(DeliveryStatus.WRONG, 0)

    def deliver_rest(self):
        # Only the line still short needs checking again.
        deliveries.delivery_check(
            actor=self.admin,
            requisition_id=self.r.pk,
            lines=[{"line": line(self.r, 1).pk, "delivery_status": DeliveryStatus.COMPLETE}],
        )

    def register(self, actor=None):
        deliveries.requisition_register_cis(
            actor=actor or self.admin,
            requisition_id=self.r.pk,
            lines=[
                {
                    "line": line(self.r, 1).pk,
                    "serial_numbers": ["SN-1", "SN-2"],
                    "attributes": {"ram_gb": 512},
                },
                {
                    "line": line(self.r, 2).pk,
                    "ci_class": self.server,
                    "attributes": {"ram_gb": 0},
                },
            ],
        )

    def cancel(self):
        svc.requisition_cancel(
            actor=self.admin, requisition_id=self.r.pk, reason="The change was withdrawn."
        )


APPROVED = ["submit", "quote", "ask", "approve_fin", "approve_ctrl", "order"]
