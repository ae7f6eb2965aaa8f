"""Who may do what to an incident request (seed 003 ch. 8): requesters their own
requests, customer representatives their organisation's, group coordinators their
group's, specialists their groups' or what is assigned to them, service owners their
services' escalations. A denied call changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from steward.core.fields import FieldsRefused
from steward.core.tests.factories import make_person
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.services import actions
from steward.incidents.services import incidents as svc

# --- Registration ----------------------------------------------------------------------


def test_a_requester_registers_for_themselves_through_the_portal(requester, service):
    incident = svc.incident_register(
        actor=requester, requester=requester, title="VPN down", channel="portal", service=service
    )

    assert (incident.requester, incident.customer.code, incident.channel) == (
        requester,
        "acme",
        "portal",
    )


@pytest.mark.parametrize(
    ("actor", "for_whom", "allowed"),
    [
        ("requester", "colleague", False),
        ("representative", "colleague", True),
        ("representative", "other_requester", False),
        ("other_representative", "colleague", False),
        ("analyst", "colleague", True),
    ],
)
def test_who_registers_for_whom(request, cast, actor, for_whom, allowed):
    person = request.getfixturevalue(actor) if actor not in cast else cast[actor]
    target = request.getfixturevalue(for_whom)

    def register():
        return svc.incident_register(actor=person, requester=target, title="Help", channel="email")

    if allowed:
        assert register().requester == target
    else:
        with pytest.raises(PermissionDenied):
            register()
        assert not IncidentRequest.objects.exists()


def test_customers_use_the_portal_or_email(requester):
    with pytest.raises(ValidationError) as caught:
        svc.incident_register(actor=requester, requester=requester, title="x", channel="phone")

    assert "channel" in caught.value.message_dict


@pytest.mark.parametrize("extra", ["support_group", "resolve_now"])
def test_customers_may_not_assign_or_resolve(requester, server_group, extra):
    values = {"support_group": server_group} if extra == "support_group" else {
        "resolve_now": {"resolution": "x", "resolution_code": "solved"}
    }  # fmt: skip
    with pytest.raises(FieldsRefused) as refused:
        svc.incident_register(
            actor=requester, requester=requester, title="x", channel="portal", **values
        )
    assert refused.value.fields == [extra]


def test_a_requester_may_not_register_for_another_organisation(requester, other_customer_org):
    # The organisation follows from the requester; customer-side people do not choose it.
    with pytest.raises(FieldsRefused) as refused:
        svc.incident_register(
            actor=requester,
            requester=requester,
            title="x",
            channel="portal",
            customer=other_customer_org,
        )
    assert refused.value.fields == ["customer"]


def test_a_specialist_may_register_but_not_assign(specialist, requester, server_group):
    with pytest.raises(FieldsRefused) as refused:
        svc.incident_register(
            actor=specialist, requester=requester, title="x", support_group=server_group
        )
    assert refused.value.fields == ["support_group"]
    assert svc.incident_register(actor=specialist, requester=requester, title="x").pk


def test_nobody_without_a_role_registers(no_role_person, requester):
    with pytest.raises(PermissionDenied):
        svc.incident_register(actor=no_role_person, requester=requester, title="x")


# --- Reading ---------------------------------------------------------------------------


@pytest.fixture
def three(make_incident, requester, colleague, other_requester, other_customer_org):
    """Acme requester's, Acme colleague's and Globex's requests."""
    return {
        "own": make_incident(requester=requester),
        "colleague": make_incident(requester=colleague),
        "globex": make_incident(requester=other_requester, customer=other_customer_org),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("requester", {"own"}),
        ("colleague", {"colleague"}),
        ("representative", {"own", "colleague"}),
        ("other_representative", {"globex"}),
        ("other_requester", {"globex"}),
        ("specialist", {"own", "colleague", "globex"}),
        ("service_owner", {"own", "colleague", "globex"}),
        ("no_role_person", set()),
    ],
)
def test_who_sees_which_requests(request, three, who, sees):
    actor = request.getfixturevalue(who)

    visible = set(queries.incidents_for(actor).values_list("pk", flat=True))

    assert visible == {three[name].pk for name in sees}
    for name, incident in three.items():
        if name in sees:
            assert queries.incident_for(actor, incident.pk) == incident
        else:
            with pytest.raises(Http404):
                queries.incident_for(actor, incident.pk)


# --- Replies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "target", "allowed"),
    [
        ("requester", "own", True),
        ("requester", "colleague", False),
        ("representative", "colleague", True),
        ("other_representative", "own", False),
        ("network_specialist", "own", False),  # not the group, not assigned
        ("analyst", "globex", True),
    ],
)
def test_who_may_reply(request, three, cast, who, target, allowed):
    actor = cast.get(who) or request.getfixturevalue(who)

    def reply():
        return svc.incident_add_reply(actor=actor, incident_id=three[target].pk, body="Hello")

    if allowed:
        assert reply().body == "Hello"
    else:
        with pytest.raises(PermissionDenied):
            reply()


def test_a_requester_may_not_write_work_notes(make_incident, requester):
    incident = make_incident()

    with pytest.raises(FieldsRefused) as refused:
        svc.incident_add_reply(actor=requester, incident_id=incident.pk, body="x", public=False)
    assert refused.value.fields == ["public"]


# --- Work on the request ---------------------------------------------------------------


WORK_VERBS = ["take", "pending", "resolve", "escalate", "action", "update", "inform"]


def do(verb, actor, incident):
    pk = incident.pk
    if verb == "take":
        return svc.incident_take(actor=actor, incident_id=pk)
    if verb == "pending":
        return svc.incident_set_pending(actor=actor, incident_id=pk, reason="scheduled")
    if verb == "resolve":
        return svc.incident_resolve(
            actor=actor, incident_id=pk, resolution="Done", resolution_code="solved"
        )
    if verb == "escalate":
        return svc.incident_escalate(actor=actor, incident_id=pk)
    if verb == "action":
        return actions.action_add(actor=actor, incident_id=pk, title="Check")
    if verb == "update":
        return svc.incident_update(actor=actor, incident_id=pk, data={"title": "Changed"})
    return svc.incident_inform_problem_coordinator(actor=actor, incident_id=pk)


@pytest.mark.parametrize("verb", WORK_VERBS)
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("specialist", True),  # member of the group
        ("coordinator", True),  # coordinator of the group
        ("analyst", True),  # the desk
        ("network_specialist", False),  # another group
        ("network_coordinator", False),
        ("requester", False),
        ("representative", False),
        ("service_owner", False),
    ],
)
def test_who_works_on_a_groups_request(
    assigned_incident, cast, service_owner, problem_coordinator, verb, who, allowed
):
    actor = cast[who]

    if allowed:
        assert do(verb, actor, assigned_incident).pk
    else:
        before = IncidentRequest.objects.values().get(pk=assigned_incident.pk)
        with pytest.raises(PermissionDenied):
            do(verb, actor, assigned_incident)
        assert IncidentRequest.objects.values().get(pk=assigned_incident.pk) == before


def test_a_specialist_assigned_from_outside_the_group_may_work_on_it(
    assigned_incident, desk_analyst, network_specialist, network_group, server_group
):
    """Assigned to them: the desk moved it to their group and assigned them."""
    svc.incident_assign(
        actor=desk_analyst,
        incident_id=assigned_incident.pk,
        support_group=network_group,
        assignee=network_specialist,
    )

    incident = svc.incident_take(actor=network_specialist, incident_id=assigned_incident.pk)

    assert incident.status == "in_progress"


def test_a_specialist_may_not_take_what_a_colleague_has(
    assigned_incident, coordinator, specialist, server_group, provider
):
    from steward.core.tests.factories import add_member

    colleague = make_person("specialist", organisation=provider, username="colleague-spec")
    add_member(server_group, colleague)
    svc.incident_assign(actor=coordinator, incident_id=assigned_incident.pk, assignee=specialist)

    with pytest.raises(PermissionDenied):
        svc.incident_take(actor=colleague, incident_id=assigned_incident.pk)


@pytest.mark.parametrize("who", ["specialist", "network_coordinator", "requester"])
def test_who_may_not_assign(assigned_incident, cast, who):
    with pytest.raises(PermissionDenied):
        svc.incident_assign(
            actor=cast[who], incident_id=assigned_incident.pk, assignee=cast["specialist"]
        )


def test_a_group_coordinator_may_not_assign_a_new_request_without_group(
    make_incident, coordinator, specialist
):
    with pytest.raises(PermissionDenied):
        svc.incident_assign(actor=coordinator, incident_id=make_incident().pk, assignee=specialist)


# --- Verification (proc. 6) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("requester", True),
        ("analyst", True),
        ("colleague", False),
        ("representative", False),  # the user reviews their own request
        ("other_requester", False),
        ("specialist", False),
    ],
)
@pytest.mark.parametrize("verb", ["accept", "reopen"])
def test_who_accepts_or_reopens(request, resolved_incident, cast, verb, who, allowed):
    actor = cast.get(who) or request.getfixturevalue(who)

    def act():
        if verb == "accept":
            return svc.incident_accept(actor=actor, incident_id=resolved_incident.pk)
        return svc.incident_reopen(actor=actor, incident_id=resolved_incident.pk, reason="No")

    if allowed:
        assert act().status in ("closed", "assigned")
    else:
        with pytest.raises(PermissionDenied):
            act()
        resolved_incident.refresh_from_db()
        assert resolved_incident.status == "resolved"


@pytest.mark.parametrize("who", ["requester", "specialist", "coordinator"])
def test_only_the_desk_closes_and_cancels(resolved_incident, make_incident, cast, who):
    with pytest.raises(PermissionDenied):
        svc.incident_close(actor=cast[who], incident_id=resolved_incident.pk)
    with pytest.raises(PermissionDenied):
        svc.incident_cancel(actor=cast[who], incident_id=make_incident().pk)


def test_unknown_requests_are_not_found(desk_analyst):
    with pytest.raises(Http404):
        svc.incident_take(actor=desk_analyst, incident_id=999999)
