"""Acceptance 3 of issue 11: an integrator can generate a typed client from the published
schema and drive an incident request through its life with it.

Against a live test server: fetch ``/api/schema/``, generate a Python client with
openapi-python-client, type-check a short script written against it with mypy, then run
that script (register, route to a group and a specialist, take, resolve, close, read the
clocks) and check the database. Selected with ``-m api_client``; part of ``make test``.
"""

import json
import os
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from steward.core import numbering
from steward.core.api_auth import token_create
from steward.core.tests.factories import (
    OrganisationFactory,
    SupportGroupFactory,
    add_member,
    make_person,
)

pytestmark = [pytest.mark.api_client, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent

# The integrator's script: only the generated package and the standard library. Every
# answer is narrowed to the documented success type, so mypy checks the fields it reads.
SCRIPT = textwrap.dedent(
    '''
    """Register an incident request, route, resolve and close it, read its clocks."""

    import json
    import os
    import sys

    from steward_client import AuthenticatedClient
    from steward_client.api.incidents import (
        incidents_assign_create,
        incidents_clocks_list,
        incidents_close_create,
        incidents_create,
        incidents_resolve_create,
        incidents_take_create,
    )
    from steward_client.api.me import me_retrieve
    from steward_client.models import (
        Clock,
        Incident,
        IncidentAssignRequest,
        IncidentCreateRequest,
        IncidentCreateRequestImpactType0,
        IncidentCreateRequestUrgencyType0,
        IncidentResolveRequest,
        IncidentResolveRequestResolutionCodeType0,
        Me,
    )


    def client(token: str) -> AuthenticatedClient:
        return AuthenticatedClient(
            base_url=os.environ["STEWARD_URL"], token=token, prefix="Token",
            raise_on_unexpected_status=True,
        )


    def incident(answer: object) -> Incident:
        if not isinstance(answer, Incident):
            sys.exit(f"expected an incident, got {answer!r}")
        return answer


    def main() -> None:
        desk = client(os.environ["DESK_TOKEN"])
        specialist = client(os.environ["SPECIALIST_TOKEN"])
        me = me_retrieve.sync(client=specialist)
        assert isinstance(me, Me)
        registered = incident(incidents_create.sync(client=desk, body=IncidentCreateRequest(
            title="Mailbox does not open", description="Outlook says it is unavailable.",
            requester=int(os.environ["REQUESTER_ID"]), service=int(os.environ["SERVICE_ID"]),
            impact=IncidentCreateRequestImpactType0("3"),
            urgency=IncidentCreateRequestUrgencyType0("3"),
        )))
        routed = incident(incidents_assign_create.sync(registered.id, client=desk,
            body=IncidentAssignRequest(support_group=int(os.environ["GROUP_ID"]),
                                       assignee=me.id, reason="Server mailbox.")))
        incident(incidents_take_create.sync(routed.id, client=specialist))
        resolved = incident(incidents_resolve_create.sync(routed.id, client=specialist,
            body=IncidentResolveRequest(resolution="Quota raised.",
                resolution_code=IncidentResolveRequestResolutionCodeType0("solved"))))
        closed = incident(incidents_close_create.sync(resolved.id, client=desk))
        clocks = incidents_clocks_list.sync(closed.id, client=desk)
        if not isinstance(clocks, list):
            sys.exit(f"expected clocks, got {clocks!r}")
        read: list[Clock] = clocks
        print(json.dumps({
            "id": closed.id, "number": closed.number, "status": closed.status,
            "clocks": [[c.kind, c.metric, c.state, c.met, c.remaining_seconds] for c in read],
        }))


    if __name__ == "__main__":
        main()
    '''
)


@pytest.fixture
def world(transactional_db):
    from steward.service_level.choices import AGREEMENT_PREFIX
    from steward.service_level.models import Agreement, Service, ServiceLevelTarget

    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    customer = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    desk = make_person("service_desk_analyst", organisation=provider, username="desk")
    specialist = make_person("specialist", organisation=provider, username="spec")
    group = SupportGroupFactory(name="Server team", organisation=provider)
    add_member(group, specialist)
    requester = make_person("requester", organisation=customer, username="req")
    service = Service(name="E-mail", status="active", provider=provider)
    numbering.assign(service)
    service.save()
    service.customers.add(customer)
    sla = Agreement(
        kind="sla", name="E-mail for Acme", service=service, customer=customer,
        status="active", term_start=date(2020, 1, 1),
        signed_at=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    numbering.assign(sla, prefix=AGREEMENT_PREFIX["sla"])
    sla.save()
    for kind, hours in (("response", 4), ("resolution", 24)):
        ServiceLevelTarget.objects.create(
            agreement=sla, kind=kind, priority="3", target_seconds=hours * 3600
        )
    return {
        "DESK_TOKEN": token_create(actor=desk, name="integration")[1],
        "SPECIALIST_TOKEN": token_create(actor=specialist, name="integration")[1],
        "REQUESTER_ID": str(requester.pk),
        "SERVICE_ID": str(service.pk),
        "GROUP_ID": str(group.pk),
    }


def run(*command: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{command[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_generated_client_drives_an_incident_through_its_life(live_server, world, tmp_path):
    from steward.incidents.models import IncidentRequest

    schema = httpx.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=60)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_text(schema.text)
    # ruff from this environment formats the generated code (its post-generation hook).
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run(
        str(BIN / "openapi-python-client"), "generate", "--path", "schema.json",
        "--meta", "none", "--output-path", "steward_client", cwd=tmp_path, env=env,
    )  # fmt: skip
    (tmp_path / "flow.py").write_text(SCRIPT)

    run(
        # The script is checked strictly; the generated package is only read for its types.
        sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental",
        "--cache-dir", os.devnull,
        "flow.py", cwd=tmp_path, env={**env, "MYPYPATH": str(tmp_path)},
    )  # fmt: skip
    out = run(sys.executable, "flow.py", cwd=tmp_path, env={**env, **world,
              "STEWARD_URL": live_server.url})  # fmt: skip

    result = json.loads(out)
    stored = IncidentRequest.objects.get(pk=result["id"])
    assert result["status"] == stored.status == "closed"
    assert stored.support_group.name == "Server team" and stored.assignee.username == "spec"
    assert sorted(c[:4] for c in result["clocks"]) == [
        ["sla", "resolution", "stopped", True],
        ["sla", "response", "stopped", True],
    ]
