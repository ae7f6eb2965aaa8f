"""User service requests from the catalog (seed 003 ch. 8 proc. 1; issue 13): a person
picks a request type of a catalog item, answers its form and a user service request is
registered with the answers; or a suggested solution solves it first and the request ends
before it is registered (a deflection).

Customer-side people request only from services their organisation has (subscribed or
under an active SLA); the desk may submit for any service. The answers are checked by
``service_level.services.request_types.clean_answers`` and kept with the request
(``RequestSubmission``), together with the response promise shown when submitting.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from steward.core import journal, permissions
from steward.core.models import Organisation, Person
from steward.incidents.choices import Channel, Impact, ServiceType, Urgency
from steward.incidents.models import Deflection, IncidentRequest, RequestSubmission, Solution
from steward.incidents.queries.solutions import solution_for
from steward.incidents.services.common import REGISTER
from steward.incidents.services.registration import (
    _announce_registration,
    _checked_registration,
    _default_customer,
    _route,
    _write_registration,
)
from steward.incidents.services.routing import priority_for
from steward.incidents.services.solutions import require_usable
from steward.incidents.services.validation import as_instance
from steward.service_level.models import RequestType, Service
from steward.service_level.queries.request_types import may_request, request_type_for
from steward.service_level.services.request_types import clean_answers
from steward.service_level.services.slt import response_target_seconds

NOT_SUBSCRIBED = (
    "Your organisation does not have this service yet: ask your customer representative "
    "to subscribe."
)


def _business_words(seconds: int) -> str:
    minutes = int(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} business hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not parts:
        parts.append(
            f"{minutes} {'business ' if not hours else ''}minute{'s' if minutes != 1 else ''}"
        )
    return " ".join(parts)


def expected_response(service: Service, customer: Organisation | None) -> str:
    """What the customer's SLA promises for a new request of theirs on ``service`` (at the
    priority a request from the catalog gets), in words; "" when nothing is promised."""
    seconds = response_target_seconds(service, customer, priority_for(Impact.MINOR, Urgency.MEDIUM))
    if not seconds:
        return ""
    return f"We aim to respond within {_business_words(seconds)}."


def expected_response_for(actor: Person, request_type: RequestType) -> str:
    """The promise shown on the request type's form, for the actor as requester."""
    return expected_response(request_type.catalog_item.service, _default_customer(actor))


def service_request_submit(
    *,
    actor: Person,
    request_type: RequestType | int,
    answers: Mapping[str, Any],
    requester: Person | int | None = None,
    channel: str = Channel.PORTAL,
) -> IncidentRequest:
    """Seed 003 ch. 8 proc. 1 for a user service request asked from the catalog.

    The request type must be one the actor sees in the catalog (404 otherwise), of a
    service their organisation has (customer-side people; 403 otherwise); the answers
    are checked against its fields (``ValidationError`` keyed ``answers.<key>``). The
    request is registered like any other (priority, routing, clocks, journal,
    notifications) with service type "user service request", titled after the request
    type, its description listing the answers, and the answers kept structured.
    """
    permissions.require(actor, REGISTER)
    type_id = request_type.pk if isinstance(request_type, RequestType) else request_type
    request_type = request_type_for(actor, type_id)
    if not may_request(actor, request_type):
        raise PermissionDenied(NOT_SUBSCRIBED)
    cleaned = clean_answers(request_type, answers)
    requester = as_instance(Person, requester, "requester") or actor
    if permissions.is_customer_side(actor):
        channel = Channel.PORTAL
    service = request_type.catalog_item.service
    description = "\n".join(f"{a['label']}: {a['text']}" for a in cleaned)
    new = _checked_registration(
        actor,
        requester=requester, title=request_type.name[:200], description=description,
        channel=channel, service=service, cis=(), category=None,
        service_type=ServiceType.USER_SERVICE_REQUEST, impact=None, urgency=None,
        customer=None, support_group=None, assignee=None, source_message_id="",
        resolve_now=None,
    )  # fmt: skip
    _route(new)
    promise = expected_response(service, new.incident.customer)
    with transaction.atomic():
        _write_registration(new, actor)
        RequestSubmission.objects.create(
            incident=new.incident,
            request_type=request_type,
            request_type_name=request_type.name,
            answers=cleaned,
            expected_response=promise,
        )
        journal.system(
            new.incident,
            text=f"Requested from the catalog: {request_type.catalog_item.name}, "
            f"“{request_type.name}”.",
            data={"request_type": request_type.pk},
        )
        if request_type.creates_change_request:
            # Seed 003 ch. 3 proc. 1's second source: a change request generated upon
            # the submission of the request form.
            from steward.changes.choices import RfcSource
            from steward.changes.services.rfcs import rfc_from_incident

            rfc_from_incident(actor=actor, incident=new.incident, source=RfcSource.REQUEST_FORM)
        _announce_registration(new, actor)
    return new.incident


def deflection_record(
    *,
    actor: Person,
    solution: Solution | int,
    text: str = "",
    service: Service | int | None = None,
) -> Deflection:
    """ "This solved it": a suggested solution solved the person's problem before they sent
    their request, so nothing is registered; the deflection is counted on the solution
    (its journal and the incident reports)."""
    permissions.require(actor, REGISTER)
    solution_id = solution.pk if isinstance(solution, Solution) else solution
    found = solution_for(actor, solution_id)
    require_usable(found)
    service = as_instance(Service, service, "service")
    with transaction.atomic():
        deflection = Deflection.objects.create(
            person=actor, solution=found, text=(text or "").strip()[:4000], service=service
        )
        journal.system(
            found,
            text=f"Solved a request of {actor} before it was registered.",
            data={"deflection": deflection.pk},
        )
    return deflection
