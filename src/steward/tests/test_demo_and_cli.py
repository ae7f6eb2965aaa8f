import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest

from steward.core import registry
from steward.core.choices import Role
from steward.core.demo import data, loader
from steward.core.models import Organisation, Person, RoleAssignment
from steward.service_level.models import Service


def test_demo_data_covers_every_role_and_the_promised_shape(demo):
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert Organisation.objects.filter(kind="customer").count() == 3
    assert Organisation.objects.filter(kind="provider").count() == 1
    assert Service.objects.filter(status="active").count() == 6
    # 35 people of the core demo, 30 more requesters (incidents), 3 supplier contacts.
    assert 60 <= Person.objects.count() <= 80
    # Every service is numbered and has an owner holding the service owner role for it.
    for service in Service.objects.all():
        assert service.number.startswith("SVC")
        assert service.owner.role_assignments.filter(
            role=Role.SERVICE_OWNER, scope_id=service.pk
        ).exists()


def _rows_per_table() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_demo_is_idempotent_and_every_listed_login_works(client, demo):
    # Loading again over the whole demo adds nothing, in any table: this stands for every
    # area's "loads once" check (their demo tests read the one shared load).
    before = _rows_per_table()
    assert before["core.Person"] and before["changes.Change"]
    assert loader.load() == {}
    assert _rows_per_table() == before
    for username, _ in data.LOGINS:
        assert client.login(
            request=HttpRequest(), username=username, password=data.DEMO_PASSWORD
        ), username
        # Customer-side people land on the portal, staff on "My work".
        assert client.get("/", follow=True).status_code == 200, username
        client.logout()


# The demo steps that make the directory, the services and the roles (the people whose
# logins init prints): init's own work runs on them. The areas' steps are the same
# ``loader.load`` the shared demo runs from nothing for every test reading it, and the
# second load adding nothing is the test above: loading them here too cost a whole demo
# load (about 20 s) in each half of `make test`.
CORE_DEMO_STEPS = ("core.directory", "service_level.services", "core.roles")


@pytest.mark.django_db
def test_init_loads_the_demo_only_into_an_empty_database(monkeypatch):
    # The one test loading the demo through the command line (`make run`'s first run); the
    # logins are left to `steward serve` there, which prints them once the site answers.
    steps = {name: registry.DEMO_STEPS[name] for name in CORE_DEMO_STEPS}
    monkeypatch.setattr(registry, "DEMO_STEPS", steps)
    out = io.StringIO()
    call_command("init", "--demo-if-empty", "--no-logins", stdout=out)
    assert "Demo data loaded" in out.getvalue()
    assert "Demo logins" not in out.getvalue() and "dana.desk" not in out.getvalue()
    people = Person.objects.count()
    out = io.StringIO()
    call_command("init", "--demo-if-empty", stdout=out)
    assert "Demo data loaded" not in out.getvalue()
    assert "dana.desk" in out.getvalue()  # the logins, without --no-logins
    assert Person.objects.count() == people


@pytest.mark.django_db
def test_init_creates_an_administrator_when_there_is_none(monkeypatch):
    monkeypatch.setenv("STEWARD_ADMIN_PASSWORD", "a-long-admin-password")
    out = io.StringIO()
    call_command("init", stdout=out)
    admin = Person.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("a-long-admin-password")
    assert "Administrator created" in out.getvalue()


@pytest.mark.django_db
def test_check_names_the_setting_that_fixes_each_warning():
    out = io.StringIO()
    call_command("stewardcheck", stdout=out)
    text = out.getvalue()
    assert "security.W012" in text and "SECURE_COOKIES=true" in text
    assert "No errors" in text


@pytest.mark.django_db
def test_check_fails_with_one_line_when_the_database_is_unreachable(monkeypatch):
    from django.db import OperationalError, connection

    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command("stewardcheck", stdout=out)
    assert "steward.E001" in out.getvalue()
    assert "DATABASE_URL" in out.getvalue()
