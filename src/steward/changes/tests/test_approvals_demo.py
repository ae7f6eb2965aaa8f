"""The demo's approvals (proc. 3): one change waits for the service owner, one for the
customer representative, each reachable by their signed link."""

from steward.changes.queries.approvals import waiting_for
from steward.changes.services.approvals import approval_link
from steward.core.models import Person


def test_the_demo_changes_wait_for_the_owner_and_the_representative(client, demo):
    olivia = Person.objects.get(username="olivia.owner")
    nora = Person.objects.get(username="nora.northwind")
    owner_waits = [a.basis for a in waiting_for(olivia)]
    representative_waits = [a.basis for a in waiting_for(nora)]
    assert owner_waits == ["service_owner"]
    assert representative_waits == ["customer_representative"]
    client.force_login(nora)
    page = client.get(approval_link(waiting_for(nora).get()))
    assert page.status_code == 200 and "spending overview" in page.content.decode()
