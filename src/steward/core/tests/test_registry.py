"""Areas plug into core through core/registry.py: demo steps run in dependency order,
role scopes and API routes come from the installed areas."""

import pytest

from steward.core import registry


def _noop(context):
    return None


@pytest.fixture
def steps(monkeypatch):
    monkeypatch.setattr(registry, "DEMO_STEPS", {})
    return registry


def test_demo_steps_run_after_and_before_what_they_name(steps):
    steps.demo_step("area", _noop, after=("core.roles",))
    steps.demo_step("core.directory", _noop)
    steps.demo_step("core.roles", _noop, after=("core.directory",))
    steps.demo_step("area.scopes", _noop, after=("core.directory",), before=("core.roles",))
    steps.demo_step("later", _noop, after=("area", "not.installed"))
    names = [s.name for s in steps.demo_steps()]
    assert names == ["core.directory", "area.scopes", "core.roles", "area", "later"]


def test_demo_steps_that_wait_for_each_other_are_refused(steps):
    steps.demo_step("a", _noop, after=("b",))
    steps.demo_step("b", _noop, after=("a",))
    with pytest.raises(ValueError, match="wait for each other"):
        steps.demo_steps()


def test_the_installed_areas_registered_their_scope_and_demo_steps():
    assert registry.ROLE_SCOPES["service"].model == "service_level.Service"
    assert registry.role_scope_for_label("core.supportgroup").kind == "group"
    names = [s.name for s in registry.demo_steps()]
    assert names.index("service_level.services") < names.index("core.roles")
    assert names.index("core.roles") < names.index("incidents")
