"""Seed 003 ch. 8 procedure 2: automatic routing on save, manual assignment of reopened
requests, the group coordinator sending requests back to the service desk, and
reassignment with its history (procedure 3)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.configuration.models import CIClass, ConfigurationItem
from steward.core import numbering
from steward.core.choices import JournalKind
from steward.core.errors import InvalidTransition
from steward.core.fields import FieldsRefused
from steward.core.models import JournalEntry
from steward.core.tests.factories import SupportGroupFactory
from steward.incidents.models import Category, RoutingRule
from steward.incidents.services import incidents as svc
from steward.incidents.services.routing import route


@pytest.fixture
def tree(db):
    """CI classes hardware > server > linux-server, and categories Email > Mailbox."""
    hardware = CIClass.objects.create(name="Hardware", code="hardware", category="hardware")
    server = CIClass.objects.create(
        name="Server", code="server", category="hardware", parent=hardware
    )
    linux = CIClass.objects.create(name="Linux server", code="linux", category="hardware", parent=server)  # fmt: skip
    email = Category.objects.create(name="Email")
    mailbox = Category.objects.create(name="Mailbox", parent=email)
    printing = Category.objects.create(name="Printing")
    ci = ConfigurationItem(name="mail01", ci_class=linux)
    numbering.assign(ci)
    ci.save()
    return {"server": server, "linux": linux, "email": email, "mailbox": mailbox,
            "printing": printing, "ci": ci, "hardware": hardware}  # fmt: skip


# Each case: the rule's conditions, and whether the standard request matches them. The
# standard request: service E-mail, customer Acme, category Email > Mailbox, a CI of class
# Linux server, user service restoration, "Mailbox does not open" / "Outlook says ...".
CASES = [
    ({}, True),
    ({"service": "service"}, True),
    ({"service": "other_service"}, False),
    ({"customer": "customer_org"}, True),
    ({"customer": "other_customer_org"}, False),
    ({"category": "mailbox"}, True),
    ({"category": "email"}, True),  # parent category matches its children
    ({"category": "printing"}, False),
    ({"ci_class": "linux"}, True),
    ({"ci_class": "server"}, True),  # parent class matches subclasses
    ({"ci_class": "hardware"}, True),
    ({"service_type": "user_service_restoration"}, True),
    ({"service_type": "infrastructure_event"}, False),
    ({"keywords": "printer, OUTLOOK"}, True),  # any keyword, ignoring case, in the description
    ({"keywords": "mailbox"}, True),  # in the title
    ({"keywords": "printer, scanner"}, False),
    ({"keywords": " , "}, True),  # no real keyword: no condition
    ({"service": "service", "category": "email", "keywords": "outlook"}, True),
    ({"service": "service", "category": "printing", "keywords": "outlook"}, False),
]


@pytest.mark.parametrize(("conditions", "matches"), CASES)
def test_a_rule_matches_when_every_set_condition_does(
    request, make_incident, tree, server_group, conditions, matches
):
    values = {}
    for name, value in conditions.items():
        if name in ("service", "customer"):
            values[name] = request.getfixturevalue(value)
        elif name in ("category", "ci_class"):
            values[name] = tree[value]
        else:
            values[name] = value
    rule = RoutingRule.objects.create(name="Rule", support_group=server_group, **values)

    incident = make_incident(category=tree["mailbox"], cis=[tree["ci"]])

    assert route(incident) == (rule if matches else None)
    assert incident.routed_by == (rule if matches else None)
    assert incident.support_group == (server_group if matches else None)
    assert incident.status == ("assigned" if matches else "new")


def test_the_first_active_rule_by_order_wins(make_incident, server_group, network_group):
    RoutingRule.objects.create(name="Off", order=1, is_active=False, support_group=network_group)
    dead_group = SupportGroupFactory(name="Disbanded", is_active=False)
    RoutingRule.objects.create(name="Dead group", order=2, support_group=dead_group)
    second = RoutingRule.objects.create(name="Second", order=20, support_group=network_group)
    first = RoutingRule.objects.create(name="First", order=10, support_group=server_group)

    incident = make_incident()

    assert (incident.routed_by, incident.support_group) == (first, server_group)
    assert second.pk  # not used


def test_routing_is_journalled(make_incident, server_group):
    RoutingRule.objects.create(name="All mail", support_group=server_group)

    incident = make_incident()

    system = JournalEntry.objects.get(record_id=incident.pk, kind=JournalKind.SYSTEM)
    assert "All mail" in system.body and "Server team" in system.body


def test_without_a_rule_the_default_group_gets_it(make_incident, desk_group, settings):
    settings.INCIDENT_DEFAULT_GROUP = "Service Desk"

    incident = make_incident()

    assert (incident.support_group, incident.routed_by, incident.status) == (
        desk_group,
        None,
        "assigned",
    )


def test_an_unknown_default_group_leaves_it_new(make_incident, settings):
    settings.INCIDENT_DEFAULT_GROUP = "No such group"

    assert make_incident().status == "new"


def test_a_group_given_at_registration_skips_routing(make_incident, server_group, network_group):
    RoutingRule.objects.create(name="All", support_group=network_group)

    incident = make_incident(support_group=server_group)

    assert (incident.support_group, incident.routed_by) == (server_group, None)


# --- Manual assignment -----------------------------------------------------------------


def test_the_desk_assigns_a_new_request_by_hand(
    make_incident, desk_analyst, server_group, coordinator, notified
):
    incident = make_incident()

    incident = svc.incident_assign(
        actor=desk_analyst, incident_id=incident.pk, support_group=server_group
    )

    assert (incident.status, incident.support_group) == ("assigned", server_group)
    assert notified(coordinator, incident) == ["incident.queued"]


def test_reassignment_keeps_its_history(
    assigned_incident, coordinator, specialist, server_group, provider
):
    from steward.core.tests.factories import add_member, make_person

    better = make_person("specialist", organisation=provider, username="better")
    add_member(server_group, better)
    svc.incident_take(actor=specialist, incident_id=assigned_incident.pk)

    incident = svc.incident_assign(
        actor=coordinator,
        incident_id=assigned_incident.pk,
        assignee=better,
        reason="Knows Exchange",
    )

    assert (incident.status, incident.assignee) == ("assigned", better)
    changes = JournalEntry.objects.filter(
        record_id=incident.pk, kind=JournalKind.FIELD_CHANGE, field="assignee"
    ).order_by("pk")
    assert [(c.old_value, c.new_value) for c in changes] == [
        ("", str(specialist)),
        (str(specialist), str(better)),
    ]
    reason = JournalEntry.objects.filter(record_id=incident.pk, kind=JournalKind.WORK_NOTE)
    assert (reason.last().body, reason.last().public) == ("Knows Exchange", False)


def test_the_coordinator_may_not_move_it_to_another_group(
    assigned_incident, coordinator, network_group
):
    with pytest.raises(PermissionDenied):
        svc.incident_assign(
            actor=coordinator, incident_id=assigned_incident.pk, support_group=network_group
        )


def test_assign_needs_a_group_or_person(assigned_incident, coordinator):
    with pytest.raises(ValidationError):
        svc.incident_assign(actor=coordinator, incident_id=assigned_incident.pk)


# --- Send back (proc. 2) ---------------------------------------------------------------


@pytest.mark.parametrize("reason", ["missing_information", "wrong_group"])
def test_the_group_coordinator_sends_it_back_to_the_desk(
    working_incident, coordinator, desk_analyst, notified, clock_states, reason
):
    incident = svc.incident_send_back(
        actor=coordinator, incident_id=working_incident.pk, reason=reason, note="Which site?"
    )

    assert (incident.status, incident.support_group, incident.assignee) == ("new", None, None)
    assert incident.sent_back_reason == reason
    assert notified(desk_analyst, incident) == ["incident.sent_back"]
    entries = JournalEntry.objects.filter(record_id=incident.pk).order_by("pk")
    transition = entries.filter(kind=JournalKind.TRANSITION).last()
    note = entries.filter(kind=JournalKind.WORK_NOTE).last()
    # The coordinator's note is for the desk: an internal note beside the public change.
    assert (transition.new_value, transition.body, transition.public) == ("new", "", True)
    assert ("Which site?" in note.body, note.public, note.data) == (
        True,
        False,
        {"reason_for": "new"},
    )
    assert ("sla", "resolution", "running") in clock_states(incident)  # the SLA runs on


def test_sent_back_by_the_portal_requesters_request_tells_the_desk(
    requester, server_group, coordinator, desk_analyst, service, notified
):
    incident = svc.incident_register(
        actor=requester, requester=requester, title="Help", channel="portal", service=service
    )
    svc.incident_assign(actor=desk_analyst, incident_id=incident.pk, support_group=server_group)

    svc.incident_send_back(
        actor=coordinator, incident_id=incident.pk, reason="wrong_group", note="Not ours"
    )

    assert notified(desk_analyst, incident) == ["incident.sent_back"]


@pytest.mark.parametrize("who", ["specialist", "network_coordinator", "analyst"])
def test_only_the_coordinator_of_its_group_sends_it_back(assigned_incident, cast, who):
    with pytest.raises(PermissionDenied):
        svc.incident_send_back(
            actor=cast[who], incident_id=assigned_incident.pk, reason="wrong_group", note="x"
        )


def test_send_back_needs_a_known_reason_and_a_note(assigned_incident, coordinator):
    with pytest.raises(ValidationError) as caught:
        svc.incident_send_back(
            actor=coordinator, incident_id=assigned_incident.pk, reason="bored", note=""
        )

    assert set(caught.value.message_dict) == {"reason", "note"}


def test_a_pending_request_is_not_sent_back(working_incident, coordinator, specialist):
    svc.incident_set_pending(
        actor=specialist, incident_id=working_incident.pk, reason="awaiting_supplier"
    )

    with pytest.raises(InvalidTransition):
        svc.incident_send_back(
            actor=coordinator, incident_id=working_incident.pk, reason="wrong_group", note="x"
        )


def test_after_a_send_back_the_desk_assigns_it_again(
    assigned_incident, coordinator, desk_analyst, network_group
):
    svc.incident_send_back(
        actor=coordinator, incident_id=assigned_incident.pk, reason="wrong_group", note="Network"
    )

    incident = svc.incident_assign(
        actor=desk_analyst, incident_id=assigned_incident.pk, support_group=network_group
    )

    assert (incident.status, incident.support_group, incident.sent_back_reason) == (
        "assigned",
        network_group,
        "",
    )


# --- Reopened requests are assigned by hand --------------------------------------------


def test_a_requester_reopening_leaves_it_with_its_previous_group(
    resolved_incident, requester, server_group
):
    incident = svc.incident_reopen(actor=requester, incident_id=resolved_incident.pk, reason="No")

    assert incident.support_group == server_group


def test_a_requester_may_not_choose_the_group(resolved_incident, requester, network_group):
    with pytest.raises(FieldsRefused) as refused:
        svc.incident_reopen(
            actor=requester,
            incident_id=resolved_incident.pk,
            reason="No",
            support_group=network_group,
        )
    assert refused.value.fields == ["support_group"]


def test_a_rule_changed_after_routing_applies_to_the_next_request(
    make_incident, server_group, network_group, provider
):
    """The rules are kept in memory between registrations; a change through the routing
    services (or the admin) applies from the next request on."""
    from steward.core.tests.factories import make_person
    from steward.incidents.services import routing

    admin = make_person("system_administrator", organisation=provider, username="rules")
    rule = routing.routing_rule_create(
        actor=admin, name="Mail", keywords="mailbox", support_group=server_group
    )
    assert make_incident().support_group == server_group

    routing.routing_rule_update(actor=admin, rule_id=rule.pk, data={"support_group": network_group})
    assert make_incident().support_group == network_group

    routing.routing_rule_delete(actor=admin, rule_id=rule.pk)
    assert make_incident().routed_by is None


def test_a_deactivated_group_stops_receiving_at_once(make_incident, server_group):
    RoutingRule.objects.create(name="All mail", support_group=server_group)
    assert make_incident().support_group == server_group

    server_group.is_active = False
    server_group.save()

    assert make_incident().support_group is None
