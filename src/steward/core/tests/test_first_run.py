"""The first run (`make run`): the demo loads with progress lines, mail without a mail server
is kept in Steward for administrators, and the logs stay quiet at the default level."""

import datetime as dt
import io
import logging
import os
import subprocess
import sys
import threading
from urllib.parse import urlsplit

import pytest
from django.core import mail, management
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from steward import cli
from steward.core import keptmail, notify, queries, tasks
from steward.core.demo import data
from steward.core.management.commands import serve
from steward.core.models import KeptEmail
from steward.core.tests.factories import OrganisationFactory, make_person

KEPT = "steward.core.keptmail.KeptEmailBackend"


def test_the_demo_loader_says_what_it_is_doing_step_by_step(demo):
    # Over the shared demo (loaded from nothing by its fixture; through `init`'s command
    # line: tests/test_demo_and_cli.py): every step runs and says so all the same.
    out = io.StringIO()

    call_command("demo", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Loading the demo data ..."
    assert "  demo data 1/" in lines[1] and lines[1].endswith("core.directory ...")
    done = [line for line in lines if " done in " in line]
    assert any("incidents" in line for line in done)
    assert len(done) >= 5
    assert lines[-1].startswith("  ruben.northwind")


def _settings_in_a_fresh_process(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    code = "from steward import settings; print(settings.EMAIL_BACKEND)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_without_a_mail_server_configured_mail_is_kept_in_steward():
    assert _settings_in_a_fresh_process() == KEPT
    assert _settings_in_a_fresh_process(EMAIL_HOST="mail.example.com").endswith("smtp.EmailBackend")


@pytest.fixture
def kept(settings):
    settings.EMAIL_BACKEND = KEPT
    mail.outbox = []


def test_a_notification_email_lands_in_the_outgoing_email_page(kept, admin_person, analyst, client):
    [note] = notify.send(
        recipients=[analyst], event="incident.assigned", title="INC000042 was assigned to you",
        body="Printer on floor 2 is not printing.", url="/incidents/42/",
    )  # fmt: skip

    sent = notify.email_notifications([note.pk])

    assert keptmail.in_force()
    assert sent == 1  # handed over: the outbox does not retry it
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_due_at is None and not note.email_error
    row = KeptEmail.objects.get()
    assert row.recipients == analyst.email
    client.force_login(admin_person)
    page = client.get("/outgoing-email/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "INC000042 was assigned to you" in text
    assert analyst.email in text
    assert "Printer on floor 2 is not printing." in text
    assert "/incidents/42/" in text
    assert "No mail server is configured" in text


def test_a_password_reset_email_is_kept_too(kept, analyst, client):
    client.post("/password-reset/", {"email": analyst.email})

    row = KeptEmail.objects.get()
    assert row.recipients == analyst.email
    assert "/password-reset/" in row.body or "reset" in row.subject.lower()


@pytest.mark.parametrize("who", ["analyst", "requester", "no_role_person"])
def test_only_administrators_read_the_kept_email(kept, who, request, client):
    person = request.getfixturevalue(who)
    KeptEmail.objects.create(recipients="x@example.com", subject="Reset", body="secret link")
    client.force_login(person)

    response = client.get("/outgoing-email/")

    assert response.status_code in (403, 404)
    assert b"secret link" not in response.content
    assert b'href="/outgoing-email/"' not in client.get("/").content


def test_the_query_gives_non_administrators_nothing(kept, admin_person, analyst):
    KeptEmail.objects.create(recipients="x@example.com", subject="Reset", body="link")

    assert queries.kept_emails_for(admin_person).count() == 1
    assert queries.kept_emails_for(analyst).count() == 0
    assert queries.kept_emails_for(make_person("requester", username="r2")).count() == 0


def test_administrators_find_the_page_in_the_navigation(kept, admin_person, client):
    client.force_login(admin_person)

    assert b'href="/outgoing-email/"' in client.get("/").content
    assert b"No emails kept yet" in client.get("/outgoing-email/").content


@task()
def _a_task() -> int:
    return 1


def test_the_default_logging_does_not_log_each_task(settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    _a_task.enqueue()

    assert not [r for r in caplog.records if r.name.startswith("django_tasks")]
    assert not logging.getLogger("django_tasks").isEnabledFor(logging.INFO)
    assert logging.getLogger("django_tasks").isEnabledFor(logging.WARNING)


def test_the_scheduler_does_not_print_a_line_per_minute(db):
    out = io.StringIO()

    call_command("scheduler", "--once", stdout=out)
    call_command("scheduler", "--once", stdout=out)

    assert "Enqueued" not in out.getvalue()


def test_serve_prints_the_demo_logins_last_once_the_first_page_answers(db, monkeypatch):
    """`make run`'s last lines: the ready line, then the logins (start-up lines come before)."""
    OrganisationFactory(kind="provider", code="steward-it")
    make_person("service_desk_analyst", username="dana.desk")
    answered = threading.Event()
    calls: list[bool] = []

    def run(self, *, install_signals: bool = True) -> int:
        calls.append(self.when_ready())  # the web app still starting: nothing said
        answered.set()
        calls.append(self.when_ready())
        return 0

    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)  # collectstatic
    monkeypatch.setattr(serve, "_watch_for_answer", lambda host, port: answered)
    monkeypatch.setattr(serve.Supervisor, "run", run)
    out = io.StringIO()

    call_command("serve", "--port", "8999", "--no-worker", stdout=out)

    lines = out.getvalue().splitlines()
    assert calls == [False, True]
    ready = next(i for i, line in enumerate(lines) if line.startswith("Steward is ready on"))
    assert "http://127.0.0.1:8999/" in lines[ready]
    assert lines[ready + 1].startswith("Demo logins")
    assert [line.split()[0] for line in lines[ready + 2 :]] == [u for u, _ in data.LOGINS]


def test_serve_knows_when_the_web_app_answers(live_server):
    url = urlsplit(live_server.url)

    assert serve._answers(url.hostname, url.port, timeout=10)
    assert not serve._answers("127.0.0.1", 1, timeout=1)


def test_ctrl_c_while_a_command_starts_exits_without_a_traceback(monkeypatch, capsys):
    """Ctrl+C right after `make run` printed the logins reaches a worker still loading."""

    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(management, "execute_from_command_line", interrupted)

    with pytest.raises(SystemExit) as exited:
        cli.main(["steward", "worker"])

    assert exited.value.code == 130
    assert "Traceback" not in capsys.readouterr().err


def test_kept_emails_are_forgotten_after_thirty_days(db):
    old = KeptEmail.objects.create(recipients="a@example.com", subject="Old")
    recent = KeptEmail.objects.create(recipients="b@example.com", subject="Recent")
    KeptEmail.objects.filter(pk=old.pk).update(kept_at=timezone.now() - dt.timedelta(days=31))
    KeptEmail.objects.filter(pk=recent.pk).update(kept_at=timezone.now() - dt.timedelta(days=29))

    assert tasks.prune_kept_emails.call() == 1
    assert list(KeptEmail.objects.values_list("subject", flat=True)) == ["Recent"]
