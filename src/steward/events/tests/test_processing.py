"""The event processor's batch (seed 003 ch. 6 proc. 1): deduplication, clearing, exactly
once, and the handling of new events."""

import pytest

from steward.events.choices import EventStatus, Handling
from steward.events.models import Event, EventInbox
from steward.events.services.processing import process_inbox
from steward.events.tests.streams import enqueue, normalised, push, resolved

pytestmark = pytest.mark.django_db


def test_repeats_of_a_fingerprint_count_on_one_event(network, source):
    [event] = push(source, *[normalised("web-01", "HighLoad", severity="warning")] * 5)
    assert (event.count, event.active) == (5, True)
    assert Event.objects.filter(source=source).count() == 1
    [event] = push(source, normalised("web-01", "HighLoad", severity="critical", summary="worse"))
    assert (event.count, event.severity, event.summary) == (6, "critical", "worse")
    assert not EventInbox.objects.exists()


def test_a_resolved_event_clears_the_firing_one_and_a_repeat_after_it_is_new(network, source):
    push(source, normalised("web-01", "HostDown"))
    [cleared] = push(source, resolved("web-01", "HostDown"))
    assert (cleared.active, cleared.status) == (False, EventStatus.CLOSED)
    assert cleared.cleared_at is not None
    [again] = push(source, normalised("web-01", "HostDown"))
    assert again.pk != cleared.pk and again.active and again.count == 1


def test_a_resolved_event_for_nothing_firing_is_dropped(network, source):
    assert push(source, resolved("web-09", "HostDown")) == []
    assert not Event.objects.exists()


def test_firing_resolved_firing_in_one_batch(network, source):
    enqueue(
        source,
        normalised("web-01", "Ping"),
        normalised("web-01", "Ping"),
        resolved("web-01", "Ping"),
        normalised("web-01", "Ping"),
    )
    assert process_inbox() == 4
    first, second = Event.objects.filter(fingerprint="web-01/Ping").order_by("pk")
    assert (first.count, first.active, first.handling) == (2, False, Handling.CLEARED)
    assert (second.count, second.active) == (1, True)


def test_unmatched_event_stays_open_for_the_operator(network, source):
    [event] = push(source, normalised("mystery-box", "HostDown"))
    assert (event.handling, event.status, event.ci) == (Handling.UNMATCHED, "open", None)
