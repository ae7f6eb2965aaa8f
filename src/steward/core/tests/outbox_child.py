"""Does one thing as a Steward process would, and can die (SIGKILL) at a chosen moment.

Run by the outbox tests in a separate process:

    python -m steward.core.tests.outbox_child post URL ACTOR_ID JSON [--die-at-enqueue]
    python -m steward.core.tests.outbox_child notify PERSON_ID [--die-at-enqueue]
    python -m steward.core.tests.outbox_child dispatch [--die-mid-send]
    python -m steward.core.tests.outbox_child attach ACTOR_ID ORGANISATION_ID --die-after-store

``--die-at-enqueue`` kills the process when it first enqueues a task: after the commit,
before the task reaches the queue (the on_commit fast path). ``--die-mid-send`` kills it
while the mail server is being talked to; ``--die-after-store`` once an attachment's file
is stored, before its row commits. DATABASE_URL and the other settings come from
the environment (see ``processes.child_env``). Prints one JSON line when it survives.
"""

import json
import os
import signal
import sys
from typing import Any, NoReturn


def _die(*args: Any, **kwargs: Any) -> NoReturn:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def main(argv: list[str]) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    import django

    django.setup()
    from django.core.mail import EmailMessage
    from django_tasks.base import Task

    if "--die-at-enqueue" in argv:
        Task.enqueue = _die  # type: ignore[method-assign]
    if "--die-mid-send" in argv:
        EmailMessage.send = _die  # type: ignore[method-assign]
    if "--die-after-store" in argv:
        from steward.core import journal

        journal.attachment_added = _die
    action, *rest = [a for a in argv if not a.startswith("--")]
    if action == "post":
        return _post(*rest)
    if action == "notify":
        return _notify(int(rest[0]))
    if action == "attach":
        return _attach(int(rest[0]), int(rest[1]))
    if action == "dispatch":
        from steward.core import dispatcher

        return dispatcher.dispatch(budget_seconds=30)
    raise SystemExit(f"unknown action {action!r}")


def _post(url: str, actor_id: str, body: str) -> dict[str, Any]:
    from rest_framework.test import APIClient

    from steward.core.models import Person

    client = APIClient()
    client.force_authenticate(Person.objects.get(pk=int(actor_id)))
    response = client.post(url, json.loads(body), format="json")
    return {"status": response.status_code, "body": response.json()}


def _attach(actor_id: int, organisation_id: int) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from steward.core.models import Organisation, Person
    from steward.core.services.attachments import attachment_add

    attachment = attachment_add(
        actor=Person.objects.get(pk=actor_id),
        record=Organisation.objects.get(pk=organisation_id),
        uploaded_file=SimpleUploadedFile("notes.txt", b"Meeting notes."),
    )
    return {"attachment": attachment.pk}


def _notify(person_id: int) -> dict[str, Any]:
    from django.db import transaction

    from steward.core import notify
    from steward.core.models import Person
    from steward.core.tests.factories import declare_test_events

    declare_test_events()
    person = Person.objects.get(pk=person_id)
    with transaction.atomic():
        [note] = notify.send(
            recipients=[person], event="person.updated", title="Your profile changed", record=person
        )
        notify.record_event(record=person, event="core.person.updated", actor=None)
    return {"notification": note.pk}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), default=str))
