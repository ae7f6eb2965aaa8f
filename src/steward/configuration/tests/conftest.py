"""Fixtures shared by the CMDB tests: the people who act and a small class tree."""

import pytest

from steward.configuration.services import cis as services
from steward.core.tests.factories import make_person


@pytest.fixture
def config_admin(db, provider):
    return make_person("configuration_administrator", organisation=provider, username="cfg")


@pytest.fixture
def specialist(db, provider):
    return make_person("specialist", organisation=provider, username="spec")


@pytest.fixture
def server(config_admin):
    cls = services.ci_class_create(
        actor=config_admin, name="Server", code="server", category="hardware"
    )
    services.attribute_define(
        actor=config_admin, ci_class_id=cls.pk, key="ram_gb", label="RAM", type="integer",
        mandatory=True,
    )  # fmt: skip
    return cls


@pytest.fixture
def runs_on(config_admin):
    return services.relationship_type_create(
        actor=config_admin, code="runs-on", name="runs on", reverse_name="hosts"
    )
