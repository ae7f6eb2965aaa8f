"""The CMDB demo: about 300 CIs behind the demo services with relations, two suppliers
with contacts, contracts and licences, requisitions, a baseline and an integrity run."""

from steward.configuration.models import (
    Baseline,
    ConfigurationItem,
    Contract,
    IntegrityRun,
    PurchaseRequisition,
    Relationship,
    SupplierDetails,
)
from steward.configuration.queries.impact import impact_summary
from steward.configuration.services.contracts import licence_compliance
from steward.core.models import Person
from steward.releases.models import ReleaseBaseline
from steward.service_level.models import Service


def _counts() -> dict[str, int]:
    models = (ConfigurationItem, Relationship, SupplierDetails, Contract, PurchaseRequisition,
              Baseline, IntegrityRun)  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def test_the_demo_cmdb_is_complete(demo):
    first = _counts()
    assert 280 <= first["ConfigurationItem"] <= 320
    assert first["Relationship"] > first["ConfigurationItem"]
    assert first["SupplierDetails"] == 2 and first["Contract"] >= 5
    assert first["PurchaseRequisition"] == 2
    # The CMDB's own baseline; Release Management's demo takes one per production transfer.
    assert Baseline.objects.exclude(pk__in=ReleaseBaseline.objects.values("baseline")).count() == 1
    # Every demo service stands in the graph and runs on infrastructure.
    for service in Service.objects.all():
        ci = ConfigurationItem.objects.get(service=service)
        assert Relationship.objects.filter(source=ci, valid_to__isnull=True).exists()
    # A shared host: a failure reaches several services, their SLAs and customers.
    host = ConfigurationItem.objects.get(name="esx-ams-dc1-01")
    impact = impact_summary(host)
    assert len(impact["services"]) >= 2 and impact["agreements"] and impact["customers"]
    # The licence position the demo is meant to show.
    carl = Person.objects.get(username="carl.config")
    positions = {row.software.name: row.status for row in licence_compliance(actor=carl)}
    assert positions["VMware vSphere"] == "under_licensed"
