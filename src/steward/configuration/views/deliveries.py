"""Pages of the delivery check and the registration of the ordered CIs (seed 003 ch. 4
proc. 3), steps of a purchase requisition: each a form on the requisition whose data goes to
a deliveries service."""

from typing import Any

from django.contrib import messages
from django.urls import path

from steward.configuration.choices import RequisitionStatus
from steward.configuration.forms.deliveries import DeliveryCheckForm, RegisterForm
from steward.configuration.services import deliveries
from steward.configuration.services import requisitions as svc
from steward.configuration.views.requisitions import RequisitionActionView


class DeliveryCheckView(RequisitionActionView):
    permission = svc.CREATE
    form_class = DeliveryCheckForm
    template_name = "configuration/requisition_lines_form.html"
    title_format = "Check the delivery of {obj.number} {obj.title}"
    submit_label = "Record the check"

    def perform(self, form: DeliveryCheckForm) -> Any:
        requisition = deliveries.delivery_check(
            actor=self.actor, requisition_id=self.get_object().pk, lines=form.checks()
        )
        if requisition.status == RequisitionStatus.DELIVERED:
            messages.success(self.request, "Delivered: the purchasing agent is told.")
        else:
            messages.warning(
                self.request, "Delivery incomplete: the change coordinator is told of the delay."
            )
        return requisition.get_absolute_url()


class RegisterView(RequisitionActionView):
    permission = "configuration.ci.change"
    form_class = RegisterForm
    template_name = "configuration/requisition_lines_form.html"
    title_format = "Register the CIs of {obj.number} {obj.title}"
    submit_label = "Register in the CMDB"
    success_message = "The CIs are registered in the CMDB, in stock."

    def perform(self, form: RegisterForm) -> Any:
        return deliveries.requisition_register_cis(
            actor=self.actor, requisition_id=self.get_object().pk, lines=form.registrations()
        )


urlpatterns = [
    path(
        "requisitions/<int:pk>/delivery-check/",
        DeliveryCheckView.as_view(),
        name="requisition-delivery-check",
    ),
    path("requisitions/<int:pk>/register/", RegisterView.as_view(), name="requisition-register"),
]
