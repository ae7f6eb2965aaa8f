"""One shared set of records for the generated field-rule tests (``test_field_rules_*``):
the five kinds of actor the issue names and a record of every kind a write URL points at.

Built once per test module inside a transaction that is rolled back at its end; each test
runs in a savepoint of it (pytest-django's ``db``), so the records are shared and every
test still starts from them unchanged.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from steward.core.choices import Role
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    OrganisationFactory,
    SupportGroupFactory,
    add_member,
    give_role,
    make_person,
)

# The kinds of actor of issue 10, item 1, by the name the tests print.
ACTORS = ("requester", "representative", "analyst", "specialist", "administrator")


@dataclass
class World:
    actors: dict[str, Any]
    records: dict[str, Any]

    def record(self, kind: str) -> Any:
        return self.records[kind]


def _people(provider: Any, acme: Any) -> dict[str, Any]:
    return {
        "requester": make_person(Role.REQUESTER, organisation=acme, username="fr-requester"),
        "representative": make_person(
            Role.CUSTOMER_REPRESENTATIVE, organisation=acme, scope=acme, username="fr-rep"
        ),
        "analyst": make_person(
            Role.SERVICE_DESK_ANALYST, organisation=provider, username="fr-analyst"
        ),
        "specialist": make_person(Role.SPECIALIST, organisation=provider, username="fr-spec"),
        "administrator": make_person(
            Role.SYSTEM_ADMINISTRATOR, organisation=provider, username="fr-admin"
        ),
    }


def _service_level(admin: Any, acme: Any, provider: Any, calendar: Any) -> dict:
    from steward.service_level.models import ReviewViolation, SlaReview
    from steward.service_level.services import agreements, catalog
    from steward.service_level.services.services import service_create

    service = service_create(
        actor=admin, name="E-mail", owner=admin, provider=provider, service_hours=calendar
    )
    service.customers.add(acme)
    give_role(admin, Role.SERVICE_OWNER, service)
    target = {"kind": "resolution", "priority": "1", "target_seconds": 4 * 3600}
    agreement = agreements.agreement_create(
        actor=admin, kind="sla", service=service, customer=acme, name="E-mail for Acme",
        term_start=dt.date(2025, 1, 1), targets=[target],
    )  # fmt: skip
    item = catalog.catalog_item_create(
        actor=admin, service=service, name="Mailbox", targets=[target]
    )
    template = catalog.catalog_item_template_create(actor=admin, name="Standard")
    review = SlaReview.objects.create(
        customer=acme, service_level_manager=admin, term_start=dt.date(2025, 1, 1),
        term_end=dt.date(2025, 3, 31), status="reported", number="REV900001",
    )  # fmt: skip
    review.agreements.add(agreement)
    violation = ReviewViolation.objects.create(
        review=review, target=agreement.targets.first(), actual="5 h", expected="4 h", owner=admin
    )
    return {
        "service": service,
        "agreement": agreement,
        "target": agreement.targets.first(),
        "catalog_item": item,
        "catalog_template": template,
        "review": review,
        "violation": violation,
        "customer": acme,
    }


def _configuration(admin: Any) -> dict:
    from steward.configuration.services import baselines, contracts, suppliers
    from steward.configuration.services import cis as cmdb
    from steward.configuration.services import requisitions as purchasing

    server = cmdb.ci_class_create(actor=admin, name="Server", code="fr-server", category="hardware")
    cmdb.attribute_define(
        actor=admin, ci_class_id=server.pk, key="ram", label="RAM", type="integer"
    )
    runs_on = cmdb.relationship_type_create(
        actor=admin, code="fr-runs-on", name="runs on", reverse_name="hosts"
    )
    ci = cmdb.ci_create(actor=admin, ci_class=server, name="mail01")
    other = cmdb.ci_create(actor=admin, ci_class=server, name="mail02")
    relationship = cmdb.relationship_add(
        actor=admin, source_id=ci.pk, target_id=other.pk, type_id=runs_on.pk
    )
    supplier = suppliers.supplier_register(actor=admin, name="Cloudy Ltd", email="s@cloudy.test")
    contact = suppliers.supplier_contact_add(
        actor=admin, organisation_id=supplier.pk, first_name="Cleo", last_name="Cloud"
    )
    contract = contracts.contract_register(
        actor=admin, title="Support", kind="support", supplier=supplier,
        starts_on=dt.date(2025, 1, 1), cis=[ci.pk],
    )  # fmt: skip
    requisition = purchasing.requisition_create(
        actor=admin, title="Two servers",
        lines=[{"description": "Server", "quantity": 2, "ci_class": server,
                "unit_price": Decimal("10")}],
    )  # fmt: skip
    baseline = baselines.baseline_take(actor=admin, name="Before", ci_ids=[ci.pk])
    return {
        "ci_class": server,
        "ci": ci,
        "relationship": relationship,
        "relationship_type": runs_on,
        "supplier": supplier,
        "supplier_contact": contact,
        "contract": contract,
        "requisition": requisition,
        "requisition_line": requisition.lines.first(),
        "baseline": baseline,
    }


def _incidents(people: dict, group: Any, service: Any, admin: Any) -> dict:
    from steward.incidents.services import actions, incidents, routing, solutions

    incident = incidents.incident_register(
        actor=people["analyst"], requester=people["requester"], title="Mailbox does not open",
        service=service, support_group=group,
    )  # fmt: skip
    action = actions.action_add(actor=people["analyst"], incident_id=incident.pk, title="Check")
    solution = solutions.solution_propose(
        actor=people["specialist"], title="Clear the cache", body="Delete the OST file.",
        support_group=group,
    )  # fmt: skip
    rule = routing.routing_rule_create(actor=admin, name="Mail", support_group=group)
    category = routing.category_create(actor=admin, name="Email")
    return {
        "category": category,
        "incident": incident,
        "incident_action": action,
        "solution": solution,
        "routing_rule": rule,
    }


def _changes(admin: Any, service: Any, ci: Any) -> dict:
    from steward.changes.models import ChangeApproval
    from steward.changes.services import changes

    change = changes.change_register(
        actor=admin, title="Upgrade the mail server", service_id=service.pk, ci_ids=[ci.pk]
    )
    # An approval asked of the administrator (the service owner): rows, not a procedure.
    approval = ChangeApproval.objects.create(
        change=change, round=1, approver=admin, basis="service_owner"
    )
    # A task that can be worked (open), for the change task pages (tasks topic).
    task = change.tasks.create(title="Prepare", kind="preparation", status="open")
    return {"change": change, "change_approval": approval, "change_task": task}


def _rfcs(admin: Any, service: Any) -> dict:
    """Change Management's requests for change and their reference data (rfcs topic)."""
    from steward.changes.services import rfcs, templates

    template = templates.change_template_create(actor=admin, name="Patch a Linux server")
    task = templates.task_template_create(actor=admin, name="Patch", change_template=template)
    policy = templates.change_policy_create(actor=admin, name="Freeze", statement="No changes.")
    rfc = rfcs.rfc_submit(
        actor=admin, title="Raise the quota", service_id=service.pk, source="known_error",
        origin_reference="KE1",
    )  # fmt: skip
    return {"rfc": rfc, "change_template": template, "task_template": task, "change_policy": policy}


def _core(admin: Any, calendar: Any, group: Any, acme: Any, requester: Any) -> dict:
    from steward.core.models import (
        Notification,
        RoleAssignment,
        SavedView,
        WebhookDelivery,
        WebhookSubscription,
    )
    from steward.core.services import calendars, work

    template = work.response_template_create(
        actor=admin, name="Thanks", kind="reply", body="Thank you, {{requester.first_name}}.",
        shared=True,
    )  # fmt: skip
    holiday = calendars.holiday_add(
        actor=admin, calendar_id=calendar.pk, date=dt.date(2025, 12, 25), name="Christmas"
    )
    webhook = WebhookSubscription.objects.create(
        name="Monitor", url="https://hooks.example.test/steward", secret="s" * 32
    )
    delivery = WebhookDelivery.objects.create(
        subscription=webhook, event="incident.created", payload={}, record_type="x"
    )
    notification = Notification.objects.create(
        recipient=requester, event="incident.reply", title="Hello", body="Hi"
    )
    return {
        "person": requester,
        "organisation": acme,
        "group": group,
        "calendar": calendar,
        "holiday": holiday,
        "webhook": webhook,
        "webhook_delivery": delivery,
        "notification": notification,
        "role_assignment": RoleAssignment.objects.filter(person=requester).first(),
        "saved_view": SavedView.objects.create(
            owner=admin, list_key="incidents:incident-list", name="Mine", query="sort=age"
        ),
        "response_template": template,
    }


def build() -> World:
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="fr-provider")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="fr-acme")
    calendar = BusinessCalendarFactory(name="FR office hours")
    people = _people(provider, acme)
    admin = people["administrator"]
    group = SupportGroupFactory(name="FR server team", organisation=provider)
    add_member(group, people["specialist"])
    add_member(group, people["analyst"])
    records = _core(admin, calendar, group, acme, people["requester"])
    records.update(_service_level(admin, acme, provider, calendar))
    records.update(_configuration(admin))
    records.update(_incidents(people, group, records["service"], admin))
    records.update(_changes(admin, records["service"], records["ci"]))
    records.update(_rfcs(admin, records["service"]))
    records.update(_change_calendar(admin, records["service"]))
    records.update(_problems(admin, records["service"], records["incident"]))
    records.update(_releases(admin, records["service"]))
    records.update(_events(admin))
    return World(actors=people, records=records)


# --- events: Event Management (each topic adds its records) --------------------------


def _events_console(admin: Any) -> dict:
    """Event Management, the console topic: an open event still firing, no CI matched."""
    from django.utils import timezone

    from steward.events import tokens
    from steward.events.models import Event, EventSource

    source = EventSource.objects.create(name="FR monitor", token_hash=tokens.digest("evt_fr"))
    now = timezone.now()
    event = Event.objects.create(
        source=source, fingerprint="fr-1", resource="fr-host", event_type="NodeDown",
        summary="fr-host is down", occurred_at=now, first_seen_at=now, last_seen_at=now,
    )  # fmt: skip
    return {"event": event}


def _events(admin: Any) -> dict:
    """Event Management: the config topic's source, event type and rules."""
    return {**_events_config(admin), **_events_console(admin)}


def _events_config(admin: Any) -> dict:
    """The config topic: a monitoring source, an event type, a CI match rule and the
    correlation rule of one kind (made by the init step)."""
    from steward.events.models import CorrelationRule
    from steward.events.services import rules, sources

    source, _ = sources.source_create(actor=admin, name="FR Prometheus")
    rules.ensure_default_rules()
    return {
        "event_source": source,
        "event_type": rules.event_type_create(actor=admin, code="FRHostDown", name="Host down"),
        "match_rule": rules.match_rule_create(
            actor=admin, name="FR instance label", event_field="labels.instance"
        ),
        "correlation_rule": CorrelationRule.objects.get(kind="dependency"),
    }


def _releases(admin: Any, service: Any) -> dict:
    """Release Management: a registered release of the world's service (each topic adds
    the records of its own pages below)."""
    from steward.releases.services import releases

    release = releases.release_register(
        actor=admin, title="Mail 2027.1", service_id=service.pk, estimated_cost="1000"
    )
    return {
        "release": release,
        **_rfc_handling(admin, service),
        **_release_justification(admin, service),
        **_release_deployment(admin, service),
        **_release_cabs(admin, service),
        **_release_coordination(admin, service),
    }


def _rfc_handling(admin: Any, service: Any) -> dict:
    """The handling topic: a request for change handed to Release Management (received)."""
    from steward.changes.services import rfcs
    from steward.releases.models import RfcHandling

    rfc = rfcs.rfc_submit(
        actor=admin, title="New mail archive", service_id=service.pk, source="known_error",
        origin_reference="KE2", causes_outage_in_service_hours=False, functionality_changes=True,
        cmdb_update=True, problem_fix=False, single_coordinator=True, extra_funding=True,
    )  # fmt: skip
    rfcs.rfc_review(actor=admin, rfc_id=rfc.pk, decision="to_release")
    return {"rfc_handling": RfcHandling.objects.get(rfc=rfc)}


def _release_justification(admin: Any, service: Any) -> dict:
    """Release Management, the justification topic: releases waiting for a business case,
    one with a draft case, one with a submitted case (proc. 3)."""
    from steward.releases.services import justification, releases

    made = {}
    for key in ("business_case", "business_case_submitted"):
        release = releases.release_register(
            actor=admin, title=f"Mail {key}", service_id=service.pk, estimated_cost="5000"
        )
        justification.release_justify(actor=admin, release_id=release.pk)
        made[key] = justification.business_case_prepare(
            actor=admin, release_id=release.pk, costs="5000", benefits="Shared mailboxes",
            budget_requested="5000",
        )  # fmt: skip
        made[f"release_{key}"] = release
    justification.business_case_submit(actor=admin, case_id=made["business_case_submitted"].pk)
    made["release_justification"] = made.pop("release_business_case")
    made.pop("release_business_case_submitted")
    return made


def _release_deployment(admin: Any, service: Any) -> dict:
    """Release Management, the deployment topic: the service's release policy and a
    release in coordination with its deployment planned (development done)."""
    from steward.releases.models import Release
    from steward.releases.services import deployment, releases

    policy = deployment.release_policy_create(actor=admin, service_id=service.pk,
                                              minor_frequency="monthly")  # fmt: skip
    deploying = releases.release_register(actor=admin, title="Mail 2027.2", service_id=service.pk)
    Release.objects.filter(pk=deploying.pk).update(status="coordination")
    start = dt.datetime(2027, 4, 1, 20, tzinfo=dt.UTC)
    deployment.deployment_plan(actor=admin, release_id=deploying.pk, stages=[
        {"environment": e, "planned_at": start + dt.timedelta(days=i)}
        for i, e in enumerate(("development", "test", "acceptance", "production"))
    ])  # fmt: skip
    deployment.release_transfer(actor=admin, release_id=deploying.pk, environment="development")
    deploying.refresh_from_db()
    return {"release_policy": policy, "release_deploying": deploying}


def _release_cabs(admin: Any, service: Any) -> dict:
    """Release Management, the cabs topic: the service's CAB with one member, a scheduled
    meeting and one in session (its ballot and close forms apply)."""
    from django.utils import timezone

    from steward.releases.services import cabs

    member = make_person("cab_member", organisation=service.provider, scope=service,
                         username="worldcab")  # fmt: skip
    cab = cabs.cab_create(actor=admin, service_id=service.pk, name="Mail CAB",
                          member_ids=[member.pk], usual_place="Room 4")  # fmt: skip
    now = timezone.now()
    later = {
        "starts_at": now + dt.timedelta(days=30),
        "submission_deadline": now - dt.timedelta(hours=1),
    }
    scheduled = cabs.meeting_schedule(actor=admin, cab_id=cab.pk, **later)
    held = cabs.meeting_schedule(actor=admin, cab_id=cab.pk, **later)
    for step in (cabs.meeting_invite, cabs.meeting_finalise, cabs.meeting_open):
        step(actor=admin, meeting_id=held.pk)
    return {"cab": cab, "cab_meeting": scheduled, "cab_meeting_in_session": held}


def _release_coordination(admin: Any, service: Any) -> dict:
    """Release coordination (proc. 4): a release in coordination with a planned change
    (``plan_item``) and one whose requirements were sent (``plan_item_requested``)."""
    from steward.core.tests.factories import make_person
    from steward.releases.models import Release
    from steward.releases.services import coordination, releases

    coordinator = make_person("change_coordinator", organisation=service.provider,
                              scope=service, username="fr-release-cc")  # fmt: skip
    release = releases.release_register(actor=admin, title="Mail 2027.2", service_id=service.pk)
    items = [
        coordination.plan_item_add(
            actor=admin, release_id=release.pk, title=title, service_id=service.pk,
            change_coordinator_id=coordinator.pk, requirements="Shared mailboxes.",
        )
        for title in ("Mailbox server", "Mail gateway")
    ]  # fmt: skip
    Release.objects.filter(pk=release.pk).update(status="coordination")
    coordination.plan_item_send(actor=admin, item_id=items[1].pk)
    release.refresh_from_db()
    return {"release_coordinating": release, "plan_item": items[0],
            "plan_item_requested": items[1]}  # fmt: skip


def _change_calendar(admin: Any, service: Any) -> dict:
    """Change Management, the calendar topic: a maintenance window on the service."""
    from steward.changes.services.calendar import planned_event_create

    start = dt.datetime(2027, 3, 6, 22, tzinfo=dt.UTC)
    event = planned_event_create(
        actor=admin, title="Backups", kind="maintenance", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), service_ids=[service.pk],
    )  # fmt: skip
    return {"planned_event": event}


def _problems(admin: Any, service: Any, incident: Any) -> dict:
    """Problem Management: a problem investigation with the world's incident linked."""
    from steward.problems.services import problems

    problem = problems.problem_register(
        actor=admin, title="Mail queue stalls", service_id=service.pk, incident_ids=[incident.pk]
    )
    return {"problem": problem, "known_error": _known_error(admin, service),
            "candidate": _problem_candidate(service, incident),
            **_problem_closure(admin, service)}  # fmt: skip


def _known_error(admin: Any, service: Any) -> Any:
    """A known error raised by the analysis review of a second problem (proc. 3)."""
    from steward.problems.models import ProblemInvestigation
    from steward.problems.services import known_errors, problems

    analysed = problems.problem_register(
        actor=admin, title="Relay drops mail", service_id=service.pk
    )
    ProblemInvestigation.objects.filter(pk=analysed.pk).update(
        status="analysis_review", analysis_outcome="proposed", root_cause="A relay bug.",
        workaround="Resend the mail",
    )  # fmt: skip
    known_errors.problem_review(
        actor=admin, problem_id=analysed.pk, analysis_acceptable=True,
        unavailable_in_service_hours=True, functionality_changes=False, cmdb_update=False,
    )  # fmt: skip
    return analysed.known_errors.get()


def _problem_closure(admin: Any, service: Any) -> dict:
    """Problem closure (proc. 4): a fix the review sent to closure, and an impasse."""
    from django.utils import timezone

    from steward.problems.models import ProblemInvestigation
    from steward.problems.services import problems

    closing, stuck = (
        problems.problem_register(actor=admin, title=title, service_id=service.pk)
        for title in ("Mail relay stalls", "Calendar sync loops")
    )
    ProblemInvestigation.objects.filter(pk=closing.pk).update(
        status="analysis_review", review_decision="closure", fixed_at=timezone.now()
    )
    ProblemInvestigation.objects.filter(pk=stuck.pk).update(
        status="impasse", impasse_reason="No vendor fix",
        recheck_on=timezone.localdate() + dt.timedelta(days=30),
    )  # fmt: skip
    return {"problem_closing": closing, "problem_impasse": stuck}


def _problem_candidate(service: Any, incident: Any) -> Any:
    """The candidates topic: an open cluster of one unlinked incident request."""
    from steward.core import numbering
    from steward.incidents.models import IncidentRequest
    from steward.problems.models import ProblemCandidate

    unlinked = IncidentRequest(title="Mail bounces", requester=incident.requester, service=service)
    numbering.assign(unlinked)
    unlinked.save()
    candidate = ProblemCandidate.objects.create(
        fingerprint="fr", service=service, label="mail bounces", size=1, impact=1, score=2
    )
    candidate.incidents.add(unlinked)
    return candidate


def world_fixture() -> Any:
    """A test module's ``world = world_fixture()``: the world, built once for the module in
    a transaction rolled back when its tests are done."""

    @pytest.fixture(scope="module")
    def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                # Fast hashing and no background work while building (tests set their own).
                with override_settings(
                    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                    TASKS={
                        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
                    },
                ):
                    built = build()
                yield built
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    return world
