"""The three ingestion formats, as tables: what a monitoring tool sends and the normalised
event Steward keeps (or the messages it answers for a bad event)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from steward.events import formats
from steward.events.formats import BodyError, TooManyEvents, parse

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def one(kind, item, **kwargs):
    accepted, refused = parse(kind, item, now=NOW, max_batch=100, **kwargs)
    assert refused == [], refused
    [event] = accepted
    return event


def errors_of(kind, item, **kwargs):
    accepted, refused = parse(kind, item, now=NOW, max_batch=100, **kwargs)
    assert accepted == []
    [refusal] = refused
    return refusal["errors"]


# --- Generic JSON ----------------------------------------------------------------------------

DISK = {"resource": "web-01", "event_type": "disk_full"}


def test_a_generic_event_with_every_field_is_kept_as_sent():
    event = one(
        "generic",
        {
            "source": "nagios",
            "ci": "web-01",
            "event_type": "disk_full",
            "severity": "Critical",
            "summary": "/var is 97% full",
            "time": "2026-03-01T08:30:00+01:00",
            "status": "resolved",
            "category": "capacity",
            "attributes": {"mount": "/var"},
            "fingerprint": "nagios:web-01:disk",
        },
    )

    assert event == {
        "fingerprint": "nagios:web-01:disk",
        "resource": "web-01",
        "event_type": "disk_full",
        "severity": "critical",
        "category": "capacity",
        "status": "resolved",
        "summary": "/var is 97% full",
        "occurred_at": "2026-03-01T08:30:00+01:00",
        "attributes": {"mount": "/var", "source": "nagios"},
    }


def test_a_generic_event_gets_defaults_and_a_stable_fingerprint():
    event = one("generic", DISK)
    again = one("generic", {**DISK, "summary": "other text", "severity": "minor"})
    other = one("generic", {**DISK, "resource": "web-02"})

    assert event == {
        "fingerprint": event["fingerprint"],
        "resource": "web-01",
        "event_type": "disk_full",
        "severity": "major",
        "category": "",
        "status": "firing",
        "summary": "",
        "occurred_at": NOW.isoformat(),
        "attributes": {},
    }
    assert event["fingerprint"].startswith("gen:")
    assert again["fingerprint"] == event["fingerprint"] != other["fingerprint"]


@pytest.mark.parametrize(
    ("sent", "occurred_at"),
    [
        ("2026-03-01T08:30:00Z", "2026-03-01T08:30:00+00:00"),
        ("2026-03-01T08:30:00.123456789Z", "2026-03-01T08:30:00.123456+00:00"),
        ("2026-03-01 08:30:00", "2026-03-01T08:30:00+00:00"),  # no offset: UTC
        (1772353800, "2026-03-01T08:30:00+00:00"),  # Unix seconds
    ],
)
def test_generic_times(sent, occurred_at):
    assert one("generic", {**DISK, "time": sent})["occurred_at"] == occurred_at


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"resource": None}, {"resource": ["This field is required (the resource or ci the event is about)."]}),
        ({"ci": "web-02"}, {"ci": ["Give resource or ci, not both."]}),
        ({"event_type": ""}, {"event_type": ["This field is required."]}),
        ({"event_type": 42}, {"event_type": ["Expected a string, got a number."]}),
        ({"resource": "x" * 256}, {"resource": ["At most 255 characters (this one has 256)."]}),
        ({"summary": "s" * 501}, {"summary": ["At most 500 characters (this one has 501)."]}),
        ({"fingerprint": ["a"]}, {"fingerprint": ["Expected a string, got a list."]}),
        ({"severity": "urgent"}, {"severity": ['"urgent" is not one of: critical, major, minor, warning, info.']}),
        ({"status": "ok"}, {"status": ['"ok" is not one of: firing, resolved.']}),
        ({"category": "noise"}, {"category": ['"noise" is not one of: outage, degradation, capacity, informational.']}),
        ({"attributes": "disk"}, {"attributes": ["Expected an object, got str."]}),
        ({"time": "yesterday"}, {"time": ["Not an ISO 8601 time: 'yesterday' (e.g. 2026-03-01T08:30:00Z)."]}),
        ({"time": True}, {"time": ["Expected an ISO 8601 time, got true or false."]}),
        ({"time": "1999-12-31T23:00:00Z"}, {"time": ["1999-12-31T23:00:00+00:00 is not a plausible time for an event (before 2000 or more than a day ahead)."]}),
        ({"time": 1772353800000}, {"time": ["Not a time: Unix seconds out of range."]}),
        ({"severty": "major"}, {"severty": ["Unknown field: put extra information in attributes."]}),
    ],
    ids=lambda v: str(v)[:40],
)  # fmt: skip
def test_a_bad_generic_event_is_refused_with_its_messages(change, errors):
    item = {k: v for k, v in {**DISK, **change}.items() if v is not None}
    assert errors_of("generic", item) == errors


def test_a_time_more_than_a_day_ahead_is_refused():
    ahead = (NOW + timedelta(days=1, minutes=1)).isoformat()
    assert list(errors_of("generic", {**DISK, "time": ahead})) == ["time"]
    assert one("generic", {**DISK, "time": (NOW + timedelta(hours=2)).isoformat()})


@pytest.mark.parametrize(
    "body",
    [DISK, [DISK, DISK], {"events": [DISK, DISK, DISK]}],
    ids=["one object", "a list", "events"],
)
def test_generic_bodies(body):
    accepted, refused = parse("generic", body, now=NOW, max_batch=100)
    count = (
        len(body["events"]) if "events" in body else (len(body) if isinstance(body, list) else 1)
    )
    assert (len(accepted), refused) == (count, [])


def test_a_bad_event_in_a_batch_loses_none_of_the_good_ones():
    body = [
        DISK,
        {"event_type": "x"},
        "text",
        {**DISK, "resource": "web-02"},
        {**DISK, "severity": "?"},
    ]

    accepted, refused = parse("generic", body, now=NOW, max_batch=100)

    assert [e["resource"] for e in accepted] == ["web-01", "web-02"]
    assert refused == [
        {"index": 1, "errors": {"resource": ["This field is required (the resource or ci the event is about)."]}},
        {"index": 2, "errors": {"event": ["Expected an event object, got str."]}},
        {"index": 4, "errors": {"severity": ['"?" is not one of: critical, major, minor, warning, info.']}},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        ("generic", 42, 'Expected an event object, a list of events or {"events": [...]}.'),
        ("generic", {"events": "many"}, '"events" must be a list of event objects.'),
        ("generic", [], "The body holds no events."),
        ("alertmanager", {"status": "firing"}, 'Not an Alertmanager webhook payload: expected an object with an "alerts" list.'),
        ("alertmanager", {"alerts": []}, "The body holds no events."),
        ("zabbix", [{"host": "web-01"}], "Not a Zabbix webhook payload: expected one event object."),
    ],
)  # fmt: skip
def test_a_body_not_in_the_format_is_refused_whole(kind, body, message):
    with pytest.raises(BodyError, match="^" + message.replace("[", r"\[").replace("]", r"\]")
                       .replace("{", r"\{").replace("}", r"\}").replace(".", r"\.") + "$"):  # fmt: skip
        parse(kind, body, now=NOW, max_batch=100)


def test_more_events_than_allowed_is_refused_whole():
    with pytest.raises(TooManyEvents, match="The body holds 4 events; at most 3"):
        parse("generic", [DISK] * 4, now=NOW, max_batch=3)
    assert len(parse("generic", [DISK] * 3, now=NOW, max_batch=3)[0]) == 3


# --- Prometheus Alertmanager -----------------------------------------------------------------

ALERT = {
    "status": "firing",
    "labels": {"alertname": "InstanceDown", "instance": "web-01:9100", "job": "node",
               "severity": "critical"},
    "annotations": {"summary": "web-01 is down", "description": "No scrape for 5m"},
    "startsAt": "2026-03-01T08:30:00.000123456Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
    "fingerprint": "5f1e7d2c9a3b4e61",
}  # fmt: skip
GROUP = '{}:{alertname="InstanceDown"}'


def am(*alerts, **top):
    return {"version": "4", "groupKey": GROUP, "status": "firing", "receiver": "steward",
            "groupLabels": {"alertname": "InstanceDown"}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
            "truncatedAlerts": 0, "alerts": list(alerts), **top}  # fmt: skip


def test_an_alertmanager_alert_becomes_one_normalised_event():
    assert one("alertmanager", am(ALERT)) == {
        "fingerprint": "am:5f1e7d2c9a3b4e61",
        "resource": "web-01:9100",
        "event_type": "InstanceDown",
        "severity": "critical",
        "category": "",
        "status": "firing",
        "summary": "web-01 is down",
        "occurred_at": "2026-03-01T08:30:00.000123+00:00",
        "attributes": {
            "labels": ALERT["labels"],
            "annotations": ALERT["annotations"],
            "generatorURL": ALERT["generatorURL"],
            "groupKey": GROUP,
        },
    }


def test_a_resolved_alert_happened_at_its_end():
    resolved = {**ALERT, "status": "resolved", "endsAt": "2026-03-01T08:45:00Z"}

    event = one("alertmanager", am(resolved, status="resolved"))

    assert (event["status"], event["occurred_at"]) == ("resolved", "2026-03-01T08:45:00+00:00")
    assert event["fingerprint"] == "am:5f1e7d2c9a3b4e61"


@pytest.mark.parametrize(
    ("label", "severity"),
    [("critical", "critical"), ("page", "critical"), ("error", "major"), ("major", "major"),
     ("Warning", "warning"), ("info", "info"), ("none", "info"), ("p3", "warning"), (None, "warning")],
)  # fmt: skip
def test_alertmanager_severities(label, severity):
    labels = {k: v for k, v in {**ALERT["labels"], "severity": label}.items() if v is not None}
    assert one("alertmanager", am({**ALERT, "labels": labels}))["severity"] == severity


@pytest.mark.parametrize(
    ("labels", "resource"),
    [
        ({"instance": "web-01:9100", "host": "h", "service": "s", "job": "j"}, "web-01:9100"),
        ({"host": "web-02", "service": "s", "job": "j"}, "web-02"),
        ({"service": "store", "job": "j"}, "store"),
        ({"job": "node"}, "node"),
        ({}, ""),  # kept: the operator sees it without a CI
    ],
)
def test_the_alert_resource_comes_from_instance_host_service_or_job(labels, resource):
    alert = {**ALERT, "labels": {"alertname": "Down", **labels}}
    assert one("alertmanager", am(alert))["resource"] == resource


@pytest.mark.parametrize(
    ("annotations", "summary"),
    [
        ({"summary": "S", "description": "D"}, "S"),
        ({"description": "D"}, "D"),
        ({}, "InstanceDown"),
        ({"summary": "x" * 600}, "x" * 499 + "\u2026"),  # a monitor's text is cut, not refused
    ],
)
def test_the_alert_summary(annotations, summary):
    assert one("alertmanager", am({**ALERT, "annotations": annotations}))["summary"] == summary


def test_an_alert_without_fingerprint_gets_one_from_its_sorted_labels():
    alert = {k: v for k, v in ALERT.items() if k != "fingerprint"}
    shuffled = {**alert, "labels": dict(reversed(list(ALERT["labels"].items())))}

    first, second = one("alertmanager", am(alert)), one("alertmanager", am(shuffled))

    assert first["fingerprint"] == second["fingerprint"]
    assert first["fingerprint"].startswith("am:") and len(first["fingerprint"]) == 43


@pytest.mark.parametrize(
    ("labels", "category"),
    [({"category": "capacity"}, "capacity"), ({"category": "Degradation"}, "degradation"),
     ({"category": "whatever"}, ""), ({}, "")],
)  # fmt: skip
def test_the_alert_category_is_taken_when_steward_knows_it(labels, category):
    alert = {**ALERT, "labels": {**ALERT["labels"], **labels}}
    assert one("alertmanager", am(alert))["category"] == category


@pytest.mark.parametrize(
    ("alert", "errors"),
    [
        ({**ALERT, "labels": {"instance": "web-01"}}, {"labels.alertname": ["This field is required."]}),
        ({**ALERT, "labels": "InstanceDown"}, {"labels": ["Expected an object, got str."], "labels.alertname": ["This field is required."]}),
        ({**ALERT, "labels": {**ALERT["labels"], "port": 9100}}, {"labels": ["Values must be strings: port."]}),
        ({**ALERT, "status": "pending"}, {"status": ['"pending" is not one of: firing, resolved.']}),
        ({**ALERT, "startsAt": "soon"}, {"startsAt": ["Not an ISO 8601 time: 'soon' (e.g. 2026-03-01T08:30:00Z)."]}),
        ({**ALERT, "labels": {**ALERT["labels"], "instance": "i" * 256}}, {"labels.instance": ["At most 255 characters (this one has 256)."]}),
        ([ALERT], {"alert": ["Expected an alert object, got a list."]}),
    ],
    ids=lambda v: str(v)[:30],
)  # fmt: skip
def test_a_bad_alert_is_refused_and_the_others_of_its_group_kept(alert, errors):
    accepted, refused = parse("alertmanager", am(ALERT, alert), now=NOW, max_batch=100)

    assert len(accepted) == 1
    assert refused == [{"index": 1, "errors": errors}]


def test_a_grouped_notification_is_one_event_per_alert():
    alerts = [
        {**ALERT, "labels": {**ALERT["labels"], "instance": f"web-0{n}:9100"}, "fingerprint": f"f{n}"}
        for n in (1, 2, 3)
    ]  # fmt: skip

    accepted, _ = parse("alertmanager", am(*alerts), now=NOW, max_batch=100)

    assert [(e["fingerprint"], e["resource"]) for e in accepted] == [
        ("am:f1", "web-01:9100"), ("am:f2", "web-02:9100"), ("am:f3", "web-03:9100")
    ]  # fmt: skip


# --- Zabbix ----------------------------------------------------------------------------------

PROBLEM = {
    "event_id": "48213",
    "event_value": "1",
    "event_severity": "High",
    "host": "web-01",
    "trigger_id": "23817",
    "event_name": "High CPU utilization (over 90% for 5m)",
    "event_date": "2026.03.01",
    "event_time": "08:30:00",
    "tags": '[{"tag":"category","value":"capacity"},{"tag":"scope","value":"performance"}]',
    "event_opdata": "Current utilization: 94 %",
}
PARIS = ZoneInfo("Europe/Paris")


def test_a_zabbix_problem_becomes_one_normalised_event():
    assert one("zabbix", PROBLEM, tz=PARIS) == {
        "fingerprint": "zbx:23817:web-01",
        "resource": "web-01",
        "event_type": "High CPU utilization (over 90% for 5m)",
        "severity": "major",
        "category": "capacity",
        "status": "firing",
        "summary": "High CPU utilization (over 90% for 5m)",
        "occurred_at": "2026-03-01T08:30:00+01:00",  # the Zabbix server's local time
        "attributes": {
            "event_id": "48213",
            "trigger_id": "23817",
            "severity": "High",
            "tags": {"category": "capacity", "scope": "performance"},
            "opdata": "Current utilization: 94 %",
        },
    }


def test_a_zabbix_recovery_clears_the_problem_of_its_trigger():
    recovery = {**PROBLEM, "event_value": "0", "event_id": "48290", "event_time": "08:50:00"}

    event = one("zabbix", recovery, tz=PARIS)

    assert (event["status"], event["fingerprint"]) == ("resolved", "zbx:23817:web-01")
    assert event["occurred_at"] == "2026-03-01T08:50:00+01:00"


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("Not classified", "info"), ("Information", "info"), ("Warning", "warning"),
     ("Average", "minor"), ("High", "major"), ("Disaster", "critical"), ("Extreme", "warning")],
)  # fmt: skip
def test_zabbix_severities(severity, expected):
    assert one("zabbix", {**PROBLEM, "event_severity": severity})["severity"] == expected


@pytest.mark.parametrize(
    ("fields", "occurred_at"),
    [
        ({"event_date": "2026.03.01", "event_time": "08:30:00"}, "2026-03-01T08:30:00+01:00"),
        ({"event_date": None, "event_time": "2026.03.01 08:30:00"}, "2026-03-01T08:30:00+01:00"),
        ({"event_date": None, "event_time": "2026-03-01T07:30:00Z"}, "2026-03-01T07:30:00+00:00"),
        ({"event_date": None, "event_time": None}, NOW.isoformat()),
    ],
)
def test_zabbix_times(fields, occurred_at):
    item = {k: v for k, v in {**PROBLEM, **fields}.items() if v is not None}
    assert one("zabbix", item, tz=PARIS)["occurred_at"] == occurred_at


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"host": None}, {"host": ["This field is required."]}),
        ({"trigger_id": None}, {"trigger_id": ["This field is required."]}),
        ({"event_name": ""}, {"event_name": ["This field is required."]}),
        ({"event_value": "2"}, {"event_value": ['Expected "1" (problem) or "0" (recovery).']}),
        ({"event_time": "08:30"}, {"event_time": ['Expected event_date "YYYY.MM.DD" with event_time "HH:MM:SS".']}),
        ({"event_date": "2026.02.30"}, {"event_time": ["Not a time: day is out of range for month."]}),
        ({"tags": "category=capacity"}, {"tags": ["Expected a list of {tag, value} objects (or its JSON text)."]}),
        ({"tags": [{"value": "x"}]}, {"tags": ["Expected a list of {tag, value} objects."]}),
        ({"event_severity": 4}, {"event_severity": ["Expected a string, got a number."]}),
    ],
    ids=lambda v: str(v)[:30],
)  # fmt: skip
def test_a_bad_zabbix_event_is_refused_with_its_messages(change, errors):
    item = {k: v for k, v in {**PROBLEM, **change}.items() if v is not None}
    assert errors_of("zabbix", item) == errors


def test_a_numeric_trigger_id_and_value_are_taken_as_zabbix_sends_them_unquoted():
    event = one("zabbix", {**PROBLEM, "trigger_id": 23817, "event_value": 1})
    assert (event["fingerprint"], event["status"]) == ("zbx:23817:web-01", "firing")


# --- What a JSON column cannot keep ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": ["ok", {"b": "x\x00y"}]}, "Text may not contain NUL characters (\\u0000)."),
        ({"k\ud800": 1}, "Text may not contain unpaired surrogates (\\ud800-\\udfff)."),
        ({"a": ["ok", 1, None, "\U0001f600"]}, None),
    ],
)
def test_unstorable_text_is_found_anywhere(value, message):
    assert formats.unstorable(value) == message
