"""Registering a change (proc. 1's last step) through the service."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.changes.choices import ChangeStatus, TaskStatus
from steward.changes.models import ChangeTemplate, TaskTemplate
from steward.core.testing.journal import journal_of


def test_registered_from_a_template_with_its_tasks(make_change, server_group, change_coordinator):
    template = ChangeTemplate.objects.create(
        name="Patch a Linux server", change_type="standard", plan="Patch", backout_plan="Roll back"
    )
    first = TaskTemplate.objects.create(
        change_template=template,
        name="Snapshot",
        kind="preparation",
        support_group=server_group,
        position=1,
    )
    TaskTemplate.objects.create(
        change_template=template,
        name="Patch",
        kind="implementation",
        support_group=server_group,
        position=2,
    )
    change = make_change(template_id=template.pk)
    assert change.number.startswith("CHG")
    assert change.status == ChangeStatus.REGISTERED
    assert (change.change_type, change.plan, change.backout_plan) == (
        "standard",
        "Patch",
        "Roll back",
    )
    tasks = list(change.tasks.all())
    assert [t.title for t in tasks] == ["Snapshot", "Patch"]
    assert all(t.status == TaskStatus.WAITING for t in tasks)
    assert list(tasks[1].depends_on.all()) == [tasks[0]]
    assert first.support_group == tasks[0].support_group
    assert journal_of(change, kind="created").exists()


def test_only_a_change_coordinator_registers(
    make_change, specialist, other_service, change_coordinator
):
    with pytest.raises(PermissionDenied):
        make_change(actor=specialist)
    # The coordinator's role is limited to E-mail: not Payroll's coordinator.
    with pytest.raises(PermissionDenied):
        make_change(service_id=other_service.pk)


def test_an_unknown_template_is_a_field_error(make_change):
    with pytest.raises(ValidationError) as refused:
        make_change(template_id=987654)
    assert "template" in refused.value.message_dict
