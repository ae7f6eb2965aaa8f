"""Helpers of the deployment tests (seed 004): the E-mail service's infrastructure in the
CMDB, a release put in coordination, and moving it through its environments."""

import datetime as dt
from typing import Any

from django.utils import timezone

from steward.changes.choices import ChangeCategory, ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.configuration.services import cis
from steward.core import numbering
from steward.releases.models import Release
from steward.releases.services import deployment as svc


def build_cmdb(config_admin: Any, service: Any) -> dict[str, Any]:
    """E-mail (its service CI) runs on mail01 and mail02 (servers with a RAM attribute);
    spare01 stands alone."""
    server = cis.ci_class_create(actor=config_admin, name="Server", code="server",
                                 category="hardware")  # fmt: skip
    cis.attribute_define(actor=config_admin, ci_class_id=server.pk, key="ram_gb", label="RAM",
                         type="integer")  # fmt: skip
    app = cis.ci_class_create(actor=config_admin, name="Application", code="app",
                              category="software")  # fmt: skip
    runs_on = cis.relationship_type_create(actor=config_admin, code="runs-on", name="runs on",
                                           reverse_name="hosts")  # fmt: skip
    mail = cis.ci_create(actor=config_admin, ci_class=app, name="E-mail", service=service,
                         version="1.0")  # fmt: skip
    one = cis.ci_create(actor=config_admin, ci_class=server, name="mail01",
                        attributes={"ram_gb": 16})  # fmt: skip
    two = cis.ci_create(actor=config_admin, ci_class=server, name="mail02",
                        attributes={"ram_gb": 8})  # fmt: skip
    spare = cis.ci_create(actor=config_admin, ci_class=server, name="spare01",
                          attributes={"ram_gb": 4})  # fmt: skip
    for target in (one, two):
        cis.relationship_add(actor=config_admin, source_id=mail.pk, target_id=target.pk,
                             type_id=runs_on.pk)  # fmt: skip
    return {"mail": mail, "one": one, "two": two, "spare": spare, "runs_on": runs_on}


def in_coordination(release: Release) -> Release:
    """The release reaches coordination through another topic; here it is put there."""
    Release.objects.filter(pk=release.pk).update(status="coordination")
    release.refresh_from_db()
    return release


def plan(actor: Any, release: Release, environments: tuple[str, ...] = ()) -> Release:
    start = timezone.now() + dt.timedelta(days=1)
    path = environments or svc.path_of(release)
    stages = [
        {"environment": e, "planned_at": start + dt.timedelta(days=i), "deliverables": f"{e} kit"}
        for i, e in enumerate(path)
    ]
    return svc.deployment_plan(actor=actor, release_id=release.pk, stages=stages)


def to_production(admin: Any, release: Release) -> None:
    """Transfer through every environment of the path, the acceptance test passing."""
    for environment in svc.path_of(release):
        svc.release_transfer(actor=admin, release_id=release.pk, environment=environment)
        if environment == "acceptance":
            svc.release_accept(actor=admin, release_id=release.pk, accepted=True, note="OK")


def emergency_change(service: Any, *, change_type: str = ChangeType.EMERGENCY) -> Change:
    change = Change(
        title="Emergency: mail queue stuck", description="Restart and patch the MTA.",
        change_type=change_type, category=ChangeCategory.INFRASTRUCTURE,
        status=ChangeStatus.IMPLEMENTATION, service=service,
    )  # fmt: skip
    numbering.assign(change)
    change.save()
    return change
