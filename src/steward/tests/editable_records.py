"""One builder per editable record type, for the optimistic-concurrency matrix tests.

Each ``Editable`` makes one record in a state its edit accepts (through the services, as
an administrator), and says how the API (``api``: the router's basename, a PATCH body
per value) and the edit page (``page``: its URL name, the form field and how to read the
stored value back) change one field of it; ``edits`` names a text field both change.
``test_versioning`` checks that every PATCH
endpoint and every edit page of the project is listed here, so a new one cannot be left
out of the matrix.
"""

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from steward.changes.services import templates as change_templates
from steward.configuration.services import suppliers
from steward.configuration.tests.records import (
    ci,
    ci_class,
    contract,
    relationship,
    requisition,
    supplier,
)
from steward.core.models import Organisation, Person, SupportGroupMembership
from steward.core.services import calendars, directory, notifications, saved_views, work
from steward.core.tests.factories import make_person
from steward.incidents.services import incidents, routing, solutions
from steward.service_level.models import Agreement, Service
from steward.service_level.services import agreements, catalog, reviews
from steward.service_level.services import services as sl_services

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


@dataclass(frozen=True)
class Editable:
    name: str
    make: Callable[[Person], Model]
    # API: router basename and (when it has PATCH) the body setting the field to a value.
    api: str = ""
    patch: Callable[[str], dict[str, Any]] | None = None
    # Page: URL name, its kwargs for the record, the form field and two values for it.
    page: str = ""
    url_kwargs: Callable[[Model], dict[str, Any]] = lambda r: {"pk": r.pk}
    form_field: str = ""
    values: tuple[Any, Any] = ("Changed by the first", "Changed by the second")
    # The stored value of the field, as the page compares it.
    read: Callable[[Model], Any] | None = None
    versioned: Callable[[Model], Model] = lambda r: r  # the record that carries the version
    # False when the process allows the save once only (a review meeting is held once).
    reapply: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    # The one text field that the PATCH (when ``api``) and the edit page (``page``) change.
    edits: str = ""

    def __post_init__(self) -> None:
        if self.edits and self.api and self.patch is None:
            object.__setattr__(self, "patch", _text(self.edits))
        if self.edits and not self.form_field:
            object.__setattr__(self, "form_field", self.edits)

    def stored(self, record: Model) -> Any:
        fresh = type(record)._default_manager.get(pk=record.pk)
        if self.read is not None:
            return self.read(fresh)
        return getattr(fresh, self.form_field or next(iter(self.patch("x"))))  # type: ignore[misc]


# --- Ingredients ------------------------------------------------------------------------------


def organisation(actor: Person, kind: str = "customer") -> Organisation:
    n = _n()
    return directory.organisation_create(
        actor=actor, name=f"Organisation {kind} {n}", kind=kind, code=f"org-{kind}-{n}"
    )


def provider(actor: Person) -> Organisation:
    return Organisation.objects.filter(kind="provider").first() or organisation(actor, "provider")


def person(actor: Person, org: Organisation | None = None) -> Person:
    n = _n()
    return directory.person_create(
        actor=actor,
        username=f"someone{n}",
        first_name="Some",
        last_name=f"One {n}",
        primary_organisation=org,
    )


def group(actor: Person) -> Any:
    return directory.group_create(actor=actor, name=f"Group {_n()}", organisation=provider(actor))


def saved_view(actor: Person) -> Any:
    """A view shared with a group of every system administrator (the matrix's two
    editors), who may each change it."""
    shared = group(actor)
    for person in Person.objects.filter(is_superuser=True):
        SupportGroupMembership.objects.get_or_create(group=shared, person=person)
    return saved_views.saved_view_create(
        actor=actor, list_key="incidents:incident-list", name=f"View {_n()}", group=shared
    )


def calendar(actor: Person) -> Any:
    return calendars.calendar_create(
        actor=actor,
        name=f"Hours {_n()}",
        time_zone="Europe/Amsterdam",
        periods=[{"weekday": 0, "start_time": dt.time(8), "end_time": dt.time(17)}],
    )


def service(actor: Person) -> Service:
    return sl_services.service_create(
        actor=actor, name=f"Service {_n()}", owner=actor, provider=provider(actor)
    )


def draft_agreement(actor: Person) -> Agreement:
    return agreements.agreement_create(
        actor=actor,
        kind="ola",
        service=service(actor),
        name=f"OLA {_n()}",
        support_group=group(actor),
        term_start=dt.date(2026, 1, 1),
    )


def review(actor: Person) -> Any:
    customer = organisation(actor)
    svc = Service.objects.create(
        name=f"Reviewed {_n()}", number=f"SVC9{_n():05d}", owner=actor, status="active"
    )
    svc.customers.add(customer)
    Agreement.objects.create(
        kind="sla",
        number=f"SLA9{_n():05d}",
        name="Reviewed SLA",
        service=svc,
        customer=customer,
        status="active",
        term_start=dt.date(2025, 1, 1),
    )
    scheduled = reviews.review_schedule(
        actor=actor,
        customer_id=customer.pk,
        term_start=dt.date(2025, 1, 1),
        term_end=dt.date(2025, 3, 31),
    )
    return reviews.review_compute(actor=actor, review_id=scheduled.pk)


def customer_with_people(actor: Person) -> Organisation:
    customer = organisation(actor)
    for _ in range(2):
        person(actor, customer)
    return customer


def _people_of(org: Organisation) -> list[str]:
    return [str(pk) for pk in org.people.order_by("pk").values_list("pk", flat=True)]


def _representatives(org: Organisation) -> list[str]:
    from steward.service_level.services.customers import customer_contacts

    return sorted(str(p.pk) for p in customer_contacts(org)["representatives"])


def _first_period_start(cal: Any) -> str:
    period = cal.periods.filter(weekday=0).order_by("start_time").first()
    return period.start_time.strftime("%H:%M") if period else ""


def supplier_with_contact(actor: Person) -> Person:
    org = supplier(actor)
    return suppliers.supplier_contact_add(
        actor=actor, organisation_id=org.pk, first_name="Sam", last_name=f"Seller {_n()}"
    )


def _text(name: str) -> Callable[[str], dict[str, Any]]:
    return lambda value: {name: value}


EDITABLE: list[Editable] = [
    Editable(
        "organisation",
        organisation,
        api="organisation",
        page="core:organisation-edit",
        edits="notes",
    ),
    Editable("person", person, api="person", page="core:person-edit", edits="job_title"),
    Editable(
        "support group", group, api="supportgroup", page="core:group-edit", edits="description"
    ),
    Editable(
        "business calendar",
        calendar,
        api="calendar",
        page="core:calendar-edit",
        edits="description",
    ),
    Editable(
        "business calendar hours",
        calendar,
        page="core:calendar-hours",
        form_field="start_0_0",
        values=("07:00", "09:00"),
        read=_first_period_start,
    ),
    Editable(
        "webhook subscription",
        lambda actor: notifications.webhook_subscription_create(
            actor=actor,
            name=f"Hook {_n()}",
            url="https://hooks.example.com/steward",
            # Only the daily expiry job raises it: nothing is ever sent to it here.
            events=["configuration.contract.expired"],
        ),
        api="webhook-subscription",
        page="core:webhook-edit",
        edits="name",
    ),
    Editable("saved view", saved_view, api="saved-view", edits="name"),
    Editable(
        "reply template",
        lambda actor: work.response_template_create(
            actor=actor, name=f"Template {_n()}", kind="reply", body="Hi", shared=True
        ),
        api="response-template",
        page="core:response-template-edit",
        edits="name",
    ),
    Editable(
        "service", service, api="service", page="service_level:service-edit", edits="description"
    ),
    Editable(
        "catalog item",
        lambda actor: catalog.catalog_item_create(
            actor=actor, service=service(actor), name=f"Item {_n()}"
        ),
        api="catalogitem",
        page="service_level:catalog-item-edit",
        edits="summary",
    ),
    Editable(
        "catalog item template",
        lambda actor: catalog.catalog_item_template_create(actor=actor, name=f"Template {_n()}"),
        api="catalogitemtemplate",
        edits="summary",
    ),
    Editable(
        "customer",
        customer_with_people,
        api="customer",
        patch=_text("notes"),
        page="service_level:customer-contacts",
        form_field="representatives",
        values=("first", "second"),  # replaced by the customer's two people
        read=_representatives,
        extra={"choices": _people_of},
    ),
    Editable(
        "agreement",
        draft_agreement,
        api="agreement",
        page="service_level:agreement-edit",
        edits="description",
    ),
    Editable(
        "service level target",
        lambda actor: agreements.target_add(
            actor=actor,
            agreement_id=draft_agreement(actor).pk,
            kind="resolution",
            priority="1",
            target_seconds=3600,
        ),
        api="serviceleveltarget",
        edits="description",
    ),
    Editable(
        "SLA review meeting",
        review,
        page="service_level:review-meeting",
        edits="minutes",
        reapply=False,
    ),
    Editable(
        "SLA review suggestions",
        review,
        page="service_level:review-suggestions",
        edits="improvement_suggestions",
    ),
    Editable("CI class", ci_class, api="ciclass"),
    Editable("relationship", relationship, api="cirelationship"),
    Editable("configuration item", ci, api="ci", page="configuration:ci-edit", edits="location"),
    Editable(
        "supplier", supplier, api="supplier", page="configuration:supplier-edit", edits="notes"
    ),
    Editable(
        "supplier contact",
        supplier_with_contact,
        page="configuration:supplier-contact-edit",
        url_kwargs=lambda contact: {
            "pk": contact.organisations.get().pk,
            "person_pk": contact.pk,
        },
        edits="job_title",
    ),
    Editable(
        "contract",
        contract,
        api="contract",
        page="configuration:contract-edit",
        edits="description",
    ),
    Editable(
        "purchase requisition",
        lambda actor: requisition(
            actor, make_person("change_coordinator", organisation=provider(actor))
        ),
        api="purchaserequisition",
        page="configuration:requisition-edit",
        edits="justification",
    ),
    Editable(
        "incident request",
        lambda actor: incidents.incident_register(
            actor=actor, requester=actor, title=f"Printer jam {_n()}"
        ),
        api="incident",
        page="incidents:incident-edit",
        edits="title",
    ),
    Editable(
        "routing rule",
        lambda actor: routing.routing_rule_create(
            actor=actor, name=f"Rule {_n()}", keywords="printer", support_group=group(actor)
        ),
        api="routing-rule",
        page="incidents:routing-rule-edit",
        edits="name",
    ),
    Editable(
        "category",
        lambda actor: routing.category_create(actor=actor, name=f"Category {_n()}"),
        page="incidents:category-edit",
        edits="name",
    ),
    Editable(
        "solution",
        lambda actor: solutions.solution_propose(
            actor=actor,
            title=f"Restart the spooler {_n()}",
            body="Restart it.",
            support_group=group(actor),
        ),
        api="solution",
        page="incidents:solution-edit",
        edits="title",
    ),
    # Problem Management: the problem investigation and its steps.
    Editable(
        "problem investigation",
        lambda actor: _problem(actor),
        api="problem",
        page="problems:problem-edit",
        edits="description",
    ),
    Editable(
        "known error",
        lambda actor: _known_error(actor),
        api="knownerror",
        page="problems:known-error-edit",
        edits="workaround",
    ),
    # Release Management (each topic adds its editable records here).
    Editable(
        "release",
        lambda actor: _release(actor),
        api="release",
        page="releases:release-edit",
        edits="description",
    ),
    # The handling topic: no PATCH; its review step takes the version.
    Editable(
        "request for change handling", lambda actor: _rfc_handling(actor), api="release-request"
    ),
    Editable(
        "business case",
        lambda actor: _business_case(actor),
        api="business-case",
        page="releases:business-case-edit",
        edits="benefits",
    ),
    Editable(
        "release policy",
        lambda actor: _release_policy(actor),
        api="release-policy",
        page="releases:policy-edit",
        edits="description",
    ),
    Editable(
        "CAB", lambda actor: _cab(actor), api="cab", page="releases:cab-edit", edits="usual_place"
    ),
    Editable("CAB meeting", lambda actor: _cab_meeting(actor), api="cab-meeting"),
    # Release coordination: a planned change of a release's plan (PATCH /release-changes/).
    Editable(
        "release change",
        lambda actor: _release_change(actor),
        api="release-change",
        edits="requirements",
    ),
    # Change Management: the change's steps and the change task's (tasks topic).
    Editable(
        "change",
        lambda actor: _change(actor),
        api="change",
        page="changes:change-edit",
        edits="description",
    ),
    Editable(
        "planned event",
        lambda actor: _planned_event(actor),
        api="planned-event",
        page="changes:planned-event-edit",
        edits="description",
    ),
    Editable("change task", lambda actor: _change_task(actor), api="change-task"),
    # Change Management's requests for change and their reference data (rfcs topic).
    Editable("request for change", lambda actor: _rfc(actor), api="requestforchange"),
    Editable(
        "change template",
        lambda actor: change_templates.change_template_create(
            actor=actor, name=f"Patch a server {_n()}"
        ),
        api="changetemplate",
        page="changes:change-template-edit",
        edits="description",
    ),
    Editable(
        "task template",
        lambda actor: change_templates.task_template_create(actor=actor, name=f"Patch {_n()}"),
        api="tasktemplate",
        page="changes:task-template-edit",
        edits="description",
    ),
    Editable(
        "change policy",
        lambda actor: change_templates.change_policy_create(
            actor=actor, name=f"Freeze {_n()}", statement="No changes at month end."
        ),
        api="changepolicy",
        page="changes:change-policy-edit",
        edits="statement",
    ),
    # Event Management: the event (console topic; no PATCH: its steps take the version).
    Editable("event", lambda actor: _event(actor), api="event"),
]


def _release(actor: Person) -> Model:
    from steward.releases.services import releases

    return releases.release_register(
        actor=actor, title=f"Release {_n()}", service_id=service(actor).pk
    )


def _rfc_handling(actor: Person) -> Model:
    """A request for change handed to Release Management (received)."""
    from steward.changes.services import rfcs
    from steward.releases.models import RfcHandling

    rfc = rfcs.rfc_submit(
        actor=actor, title=f"New mail archive {_n()}", service_id=service(actor).pk,
        source="known_error", origin_reference="KE2", causes_outage_in_service_hours=False,
        functionality_changes=True, cmdb_update=True, problem_fix=False,
        single_coordinator=True, extra_funding=True,
    )  # fmt: skip
    rfcs.rfc_review(actor=actor, rfc_id=rfc.pk, decision="to_release")
    return RfcHandling.objects.get(rfc=rfc)


def _business_case(actor: Person) -> Model:
    """A draft business case (Release Management, proc. 3): only a draft is edited."""
    from steward.releases.services import justification

    release = _release(actor)
    justification.release_justify(actor=actor, release_id=release.pk, estimated_cost="100")
    return justification.business_case_prepare(
        actor=actor, release_id=release.pk, costs="100", benefits="Faster mail",
        budget_requested="100",
    )  # fmt: skip


def _release_policy(actor: Person) -> Model:
    from steward.releases.services import deployment

    return deployment.release_policy_create(actor=actor, service_id=service(actor).pk)


def _cab(actor: Person) -> Model:
    from steward.releases.services import cabs

    return cabs.cab_create(actor=actor, service_id=service(actor).pk, name=f"CAB {_n()}")


def _cab_meeting(actor: Person) -> Model:
    from django.utils import timezone

    from steward.releases.services import cabs

    now = timezone.now()
    return cabs.meeting_schedule(
        actor=actor, cab_id=_cab(actor).pk, starts_at=now + dt.timedelta(days=7),
        submission_deadline=now + dt.timedelta(days=5),
    )  # fmt: skip


def _release_change(actor: Person) -> Model:
    from steward.core.tests.factories import make_person
    from steward.releases.services import coordination

    release = _release(actor)
    coordinator = make_person("change_coordinator", organisation=provider(actor),
                              username=f"relcc{_n()}")  # fmt: skip
    return coordination.plan_item_add(
        actor=actor, release_id=release.pk, title="Mailbox server",
        service_id=release.service_id, change_coordinator_id=coordinator.pk,
        requirements="Shared mailboxes.",
    )  # fmt: skip


def _problem(actor: Person) -> Model:
    from steward.problems.services import problems

    return problems.problem_register(
        actor=actor, title=f"Problem {_n()}", service_id=service(actor).pk
    )


def _known_error(actor: Person) -> Model:
    from steward.problems.models import ProblemInvestigation
    from steward.problems.services import known_errors, problems

    problem = problems.problem_register(
        actor=actor, title=f"Problem {_n()}", service_id=service(actor).pk
    )
    ProblemInvestigation.objects.filter(pk=problem.pk).update(
        status="analysis_review", analysis_outcome="proposed", root_cause="A bug.",
        workaround="Restart it",
    )  # fmt: skip
    known_errors.problem_review(
        actor=actor, problem_id=problem.pk, analysis_acceptable=True,
        unavailable_in_service_hours=True, functionality_changes=False, cmdb_update=False,
    )  # fmt: skip
    return problem.known_errors.get()


def _change(actor: Person) -> Model:
    from steward.changes.services import changes

    return changes.change_register(
        actor=actor, title=f"Change {_n()}", service_id=service(actor).pk
    )


def _planned_event(actor: Person) -> Model:
    import datetime as dt

    from django.utils import timezone

    from steward.changes.services import calendar

    start = timezone.now() + dt.timedelta(days=3)
    return calendar.planned_event_create(
        actor=actor, title=f"Maintenance {_n()}", kind="maintenance", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), service_ids=[service(actor).pk],
    )  # fmt: skip


def _change_task(actor: Person) -> Model:
    from steward.changes.services import tasks

    change = _change(actor)
    return tasks.task_add(actor=actor, change_id=change.pk, title="Prepare", kind="preparation",
                          support_group_id=group(actor).pk)  # fmt: skip


def _rfc(actor: Person) -> Any:
    from steward.changes.services import rfcs

    return rfcs.rfc_submit(
        actor=actor, title=f"Raise the quota {_n()}", service_id=service(actor).pk,
        source="known_error", origin_reference="KE1", causes_outage_in_service_hours=False,
        functionality_changes=False, cmdb_update=False,
    )  # fmt: skip


def _event(actor: Person) -> Model:
    from steward.events.tests.console_records import a_source, make_event

    return make_event(a_source(), None)


# --- events: config topic (sources, event types, CI match and correlation rules) ------------
def _events_config() -> list[Editable]:
    from steward.events.models import CorrelationRule
    from steward.events.services import rules, sources

    def correlation_rule(actor: Person) -> Model:
        rules.ensure_default_rules()
        return CorrelationRule.objects.get(kind="dependency")

    return [
        Editable("event source",
                 lambda actor: sources.source_create(actor=actor, name=f"Prometheus {_n()}")[0],
                 api="event-source", page="events:source-edit", edits="description"),
        Editable("event type",
                 lambda actor: rules.event_type_create(actor=actor, code=f"Down{_n()}", name="Down"),
                 api="event-type", page="events:type-edit", edits="handling_instructions"),
        Editable("CI match rule",
                 lambda actor: rules.match_rule_create(actor=actor, name=f"Host {_n()}"),
                 api="event-match-rule", page="events:match-rule-edit", edits="name"),
        Editable("correlation rule", correlation_rule, api="event-correlation-rule",
                 page="events:correlation-rule-edit", edits="name"),
    ]  # fmt: skip


EDITABLE += _events_config()


API_ENTRIES = [e for e in EDITABLE if e.api and e.patch]
RESOURCES = [e for e in EDITABLE if e.api]  # with or without PATCH: their steps
PAGE_ENTRIES = [e for e in EDITABLE if e.page]


def by_name(name: str) -> Editable:
    return next(e for e in EDITABLE if e.name == name)
