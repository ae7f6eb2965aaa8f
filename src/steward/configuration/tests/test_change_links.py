"""A CMDB write may name the change it is made under (``change_id``); Change Management,
which comes later, answers which change that is (``core.registry``: tested with the real
changes in ``changes/tests/test_kpis_cmdb.py``). Without it the CMDB says so, naming the
field, and the free-text cause works as before."""

import pytest
from django.core.exceptions import ValidationError

from steward.configuration.services import cis as services
from steward.core import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(config_admin, server):
    return services.ci_create(
        actor=config_admin, ci_class=server, name="host-01", attributes={"ram_gb": 64}
    )


def test_without_change_management_a_change_cannot_be_named(config_admin, host, monkeypatch):
    monkeypatch.delitem(registry.PROVIDERS, services.CHANGE_PROVIDER, raising=False)

    with pytest.raises(ValidationError) as refused:
        services.ci_update(actor=config_admin, ci_id=host.pk, data={"version": "2"}, change_id=7)

    assert list(refused.value.message_dict) == ["change"]
    host.refresh_from_db()
    assert host.version == ""
    services.ci_update(actor=config_admin, ci_id=host.pk, data={"version": "2"}, cause="T-12")
    assert host.changes.get(field="version").cause == "T-12"
