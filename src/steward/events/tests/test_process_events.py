"""``steward process_events`` (the event processor) and its place in ``steward serve``."""

import io
import os
import signal
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from steward.events.models import Event, EventInbox
from steward.events.tests.streams import enqueue, normalised

COMMAND = "steward.events.management.commands.process_events"


@pytest.mark.django_db
def test_once_processes_what_is_in_the_inbox_and_exits(source):
    enqueue(source, *[normalised("web-01", "HostDown")] * 3, normalised("web-02", "HostDown"))
    call_command("process_events", "--once", "--batch-size", "2")
    assert not EventInbox.objects.exists()
    assert sorted(Event.objects.values_list("fingerprint", "count")) == [
        ("web-01/HostDown", 3),
        ("web-02/HostDown", 1),
    ]


def test_sigterm_lets_the_batch_in_hand_finish_then_exits_cleanly():
    calls = []

    def batch(limit: int) -> int:
        calls.append(limit)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives while the batch runs
        return 5  # more would be waiting

    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        with mock.patch(f"{COMMAND}.process_inbox", side_effect=batch):
            call_command("process_events")  # returns: exit status 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert calls == [1000]


@pytest.mark.django_db
def test_a_database_outage_is_waited_out_not_fatal():
    from django.db import OperationalError

    from steward.events.management.commands.process_events import run

    stop = mock.Mock()
    stop.is_set.side_effect = [False, False, True]
    with mock.patch(f"{COMMAND}.process_inbox", side_effect=[OperationalError("down"), 0]):
        assert run(stop) == 0
    assert stop.wait.call_args_list[0].args == (1.0,)  # backed off, then polled


def test_bad_batch_size_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("process_events", "--batch-size", "0")


@pytest.mark.parametrize(("args", "runs"), [((), True), (("--no-worker",), False)])
def test_serve_starts_the_event_processor_with_the_web_app(args, runs):
    with (
        mock.patch("steward.core.management.commands.serve.call_command"),
        mock.patch("steward.core.management.commands.serve.Supervisor") as supervisor,
    ):
        supervisor.return_value.run.return_value = 0
        call_command("serve", "--port", "8123", *args, stdout=io.StringIO())
    commands = supervisor.call_args.args[0]
    assert ("events" in commands) is runs
    if runs:
        assert commands["events"][-4:] == ["steward", "process_events", "-v", "0"]
        # Not held back until the web app answers, as the worker and scheduler are.
        assert "events" not in supervisor.call_args.kwargs["after_ready"]
