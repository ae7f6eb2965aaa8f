"""The ingestion formats (seed 003 ch. 6, proc. 1 starts with "the registration of a new
event by a network or system management application"): a request body, already decoded
from JSON, becomes the normalised events the inbox keeps and the refusals the answer
lists.

``parse(kind, payload, now=...)`` returns ``(accepted, refused)``: ``accepted`` holds one
normalised event per good event (the contract with processing, docs/ARCHITECTURE.md,
"Ingestion"), ``refused`` one ``{"index": i, "errors": {field: [messages]}}`` per bad one,
``i`` counted in the body's list (0 for a body of one event). A bad event never costs the
good ones beside it. A body that is not in the format at all raises ``BodyError`` (400);
one with more events than allowed raises ``TooManyEvents`` (413).

Pure functions of the payload and ``now``: no database, no Django request, so the lean
WSGI path and the API twin give the same answers, and the tests are tables.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from steward.events.choices import EventCategory, Severity, SourceKind

FINGERPRINT_MAX, RESOURCE_MAX, EVENT_TYPE_MAX, SUMMARY_MAX = 255, 255, 100, 500
SOURCE_MAX = 100
FIRING, RESOLVED = "firing", "resolved"
STATUSES = (FIRING, RESOLVED)
SEVERITIES = tuple(Severity.values)
CATEGORIES = tuple(EventCategory.values)
# Times before this or this far ahead are mistakes (a zero time, a clock in milliseconds).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)
ELLIPSIS = "\u2026"

Errors = dict[str, list[str]]


class BodyError(Exception):
    """The body is not in the endpoint's format at all (400)."""


class TooManyEvents(Exception):
    """The body holds more events than one request may (413)."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            f"The body holds {count} events; at most {limit} are taken in one request."
        )


class Refused(Exception):
    """One event cannot be taken: its field messages."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(errors)
        self.errors = errors


# --- Small readers, each adding its message to ``errors`` ------------------------------------


def _text(errors: Errors, field: str, value: Any, *, limit: int, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            errors.setdefault(field, []).append("This field is required.")
        return ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(f"Expected a string, got {_kind_of(value)}.")
        return ""
    if len(value) > limit:
        errors.setdefault(field, []).append(
            f"At most {limit} characters (this one has {len(value)})."
        )
    return value


def _kind_of(value: Any) -> str:
    return {
        bool: "true or false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _clip(value: str, limit: int) -> str:
    """Text a monitor wrote for people (a summary): cut rather than refuse the alert."""
    return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS


def _choice(errors: Errors, field: str, value: Any, choices: Iterable[str], default: str) -> str:
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    errors.setdefault(field, []).append(
        f"{json.dumps(value)[:60]} is not one of: {', '.join(choices)}."
    )
    return default


def parse_time(value: Any, *, tz: Any = UTC) -> datetime:
    """An ISO 8601 / RFC 3339 time (nanoseconds and "Z" allowed; without an offset it is in
    ``tz``) or Unix seconds. ValueError with the message for the sender."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"Expected an ISO 8601 time, got {_kind_of(value)}.")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("Not a time: Unix seconds out of range.") from None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"Not an ISO 8601 time: {value[:40]!r} (e.g. 2026-03-01T08:30:00Z)."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _moment(errors: Errors, field: str, value: Any, now: datetime, *, tz: Any = UTC) -> datetime:
    if value is None or value == "":
        return now
    try:
        moment = parse_time(value, tz=tz)
    except ValueError as error:
        errors.setdefault(field, []).append(str(error))
        return now
    return _plausible(errors, field, moment, now)


def _plausible(errors: Errors, field: str, moment: datetime, now: datetime) -> datetime:
    if moment < EARLIEST or moment > now + AHEAD:
        errors.setdefault(field, []).append(
            f"{moment.isoformat()} is not a plausible time for an event (before 2000 or "
            "more than a day ahead)."
        )
        return now
    return moment


def _object(errors: Errors, field: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.setdefault(field, []).append(f"Expected an object, got {_kind_of(value)}.")
        return {}
    return value


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _event(
    *,
    fingerprint: str,
    resource: str,
    event_type: str,
    severity: str,
    category: str,
    status: str,
    summary: str,
    occurred_at: datetime,
    attributes: dict[str, Any],
) -> dict[str, Any]:
    """The normalised event: the one shape processing reads (preamble, "the contract")."""
    return {
        "fingerprint": fingerprint,
        "resource": resource,
        "event_type": event_type,
        "severity": severity,
        "category": category,
        "status": status,
        "summary": summary,
        "occurred_at": occurred_at.isoformat(),
        "attributes": attributes,
    }


# --- Generic JSON ----------------------------------------------------------------------------

GENERIC_FIELDS = frozenset(
    {"source", "resource", "ci", "event_type", "severity", "summary", "time", "status",
     "category", "attributes", "fingerprint"}
)  # fmt: skip


def generic_items(payload: Any) -> list[Any]:
    """One event object, a list of them, or ``{"events": [...]}``."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        if set(payload) == {"events"}:
            if not isinstance(payload["events"], list):
                raise BodyError('"events" must be a list of event objects.')
            return payload["events"]
        return [payload]
    raise BodyError('Expected an event object, a list of events or {"events": [...]}.')


def generic_event(item: Any, now: datetime) -> dict[str, Any]:
    """One event of the generic JSON format (docs/OPERATIONS.md, "Event ingestion")."""
    if not isinstance(item, dict):
        raise Refused({"event": [f"Expected an event object, got {_kind_of(item)}."]})
    errors: Errors = {}
    for name in sorted(set(item) - GENERIC_FIELDS):
        errors[name] = ["Unknown field: put extra information in attributes."]
    if item.get("resource") not in (None, "") and item.get("ci") not in (None, ""):
        errors["ci"] = ["Give resource or ci, not both."]
    resource_field = "resource" if item.get("resource") not in (None, "") else "ci"
    resource = _text(errors, resource_field, item.get(resource_field), limit=RESOURCE_MAX)
    if not resource and resource_field not in errors:
        errors["resource"] = ["This field is required (the resource or ci the event is about)."]
    event_type = _text(
        errors, "event_type", item.get("event_type"), limit=EVENT_TYPE_MAX, required=True
    )
    source = _text(errors, "source", item.get("source"), limit=SOURCE_MAX)
    fingerprint = _text(errors, "fingerprint", item.get("fingerprint"), limit=FINGERPRINT_MAX)
    attributes = _object(errors, "attributes", item.get("attributes"))
    event = _event(
        fingerprint=fingerprint or "gen:" + _digest(SourceKind.GENERIC, resource, event_type),
        resource=resource,
        event_type=event_type,
        severity=_choice(errors, "severity", item.get("severity"), SEVERITIES, Severity.MAJOR),
        category=_choice(errors, "category", item.get("category"), CATEGORIES, ""),
        status=_choice(errors, "status", item.get("status"), STATUSES, FIRING),
        summary=_text(errors, "summary", item.get("summary"), limit=SUMMARY_MAX),
        occurred_at=_moment(errors, "time", item.get("time"), now),
        attributes={**attributes, "source": source} if source else attributes,
    )
    if errors:
        raise Refused(errors)
    return event


# --- Prometheus Alertmanager (webhook version 4) ---------------------------------------------

AM_SEVERITY = {
    "critical": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "error": Severity.MAJOR,
    "major": Severity.MAJOR,
    "minor": Severity.MINOR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "info": Severity.INFO,
    "none": Severity.INFO,
}
AM_RESOURCE_LABELS = ("instance", "host", "service", "job")
AM_ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time: endsAt of a firing alert


def alertmanager_items(payload: Any) -> list[Any]:
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise BodyError(
            'Not an Alertmanager webhook payload: expected an object with an "alerts" list.'
        )
    return payload["alerts"]


def _strings(errors: Errors, field: str, value: Any) -> dict[str, str]:
    """Labels and annotations: an object of strings (Prometheus guarantees it)."""
    found = _object(errors, field, value)
    wrong = sorted(k for k, v in found.items() if not isinstance(v, str))
    if wrong:
        errors.setdefault(field, []).append(f"Values must be strings: {', '.join(wrong)[:200]}.")
    return found


def alertmanager_event(item: Any, now: datetime, group_key: str = "") -> dict[str, Any]:
    """One alert of an Alertmanager webhook: its fingerprint, the resource from its labels,
    its severity mapped onto Steward's, the start time (or the end time once resolved)."""
    if not isinstance(item, dict):
        raise Refused({"alert": [f"Expected an alert object, got {_kind_of(item)}."]})
    errors: Errors = {}
    labels = _strings(errors, "labels", item.get("labels"))
    annotations = _strings(errors, "annotations", item.get("annotations"))
    name = _text(
        errors, "labels.alertname", labels.get("alertname"), limit=EVENT_TYPE_MAX, required=True
    )
    label = next((k for k in AM_RESOURCE_LABELS if labels.get(k)), "instance")
    resource = _text(errors, f"labels.{label}", labels.get(label), limit=RESOURCE_MAX)
    status = _choice(errors, "status", item.get("status"), STATUSES, FIRING)
    given = item.get("fingerprint")
    fingerprint = _text(errors, "fingerprint", given, limit=FINGERPRINT_MAX - 3)
    if not fingerprint and not errors.get("fingerprint"):
        fingerprint = _digest(*(f"{k}={v}" for k, v in sorted(labels.items())))
    started = _moment(errors, "startsAt", item.get("startsAt"), now)
    ends = item.get("endsAt")
    ended = now if ends in (None, "", AM_ZERO_TIME) else _moment(errors, "endsAt", ends, now)
    severity = AM_SEVERITY.get(str(labels.get("severity", "")).strip().lower(), Severity.WARNING)
    category = labels.get("category", "").strip().lower()
    summary = annotations.get("summary") or annotations.get("description") or name
    url = item.get("generatorURL")
    if errors:
        raise Refused(errors)
    return _event(
        fingerprint=f"am:{fingerprint}",
        resource=resource,
        event_type=name,
        severity=severity,
        category=category if category in CATEGORIES else "",
        status=status,
        summary=_clip(summary if isinstance(summary, str) else name, SUMMARY_MAX),
        occurred_at=ended if status == RESOLVED else started,
        attributes={
            "labels": labels,
            "annotations": annotations,
            "generatorURL": url if isinstance(url, str) else "",
            "groupKey": group_key,
        },
    )


# --- Zabbix webhook (the media type script of docs/OPERATIONS.md) ----------------------------

ZBX_SEVERITY = {
    "not classified": Severity.INFO,
    "information": Severity.INFO,
    "warning": Severity.WARNING,
    "average": Severity.MINOR,
    "high": Severity.MAJOR,
    "disaster": Severity.CRITICAL,
}
ZBX_VALUES = {"1": FIRING, "0": RESOLVED}
ZBX_DATE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})$")
ZBX_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")
ZBX_DATETIME = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")


def zabbix_items(payload: Any) -> list[Any]:
    if not isinstance(payload, dict):
        raise BodyError("Not a Zabbix webhook payload: expected one event object.")
    return [payload]


def _zabbix_time(item: dict[str, Any], errors: Errors, now: datetime, tz: Any) -> datetime:
    """{EVENT.TIME} with {EVENT.DATE} (the Zabbix server's local time: Steward's TIME_ZONE),
    "YYYY.MM.DD HH:MM:SS", or ISO 8601."""
    raw, day = item.get("event_time"), item.get("event_date")
    if raw in (None, ""):
        return now
    if not isinstance(raw, str) or (day not in (None, "") and not isinstance(day, str)):
        errors["event_time"] = ["Expected the time as a string."]
        return now
    both = f"{day} {raw}" if day else raw
    if match := ZBX_DATETIME.match(both.strip()):
        try:
            y, mo, d, h, mi, s = (int(part) for part in match.groups())
            moment = datetime.combine(date(y, mo, d), time(h, mi, s), tzinfo=tz)
        except ValueError as error:
            errors["event_time"] = [f"Not a time: {error}."]
            return now
        return _plausible(errors, "event_time", moment, now)
    if day or ZBX_TIME.match(raw.strip()):
        errors["event_time"] = ['Expected event_date "YYYY.MM.DD" with event_time "HH:MM:SS".']
        return now
    return _moment(errors, "event_time", raw, now, tz=tz)


def _zabbix_tags(errors: Errors, value: Any) -> dict[str, str]:
    """Tags as {EVENT.TAGSJSON} gives them (a list of {tag, value}, or that list as text)."""
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors["tags"] = ["Expected a list of {tag, value} objects (or its JSON text)."]
            return {}
    if not isinstance(value, list) or not all(
        isinstance(t, dict) and isinstance(t.get("tag"), str) for t in value
    ):
        errors["tags"] = ["Expected a list of {tag, value} objects."]
        return {}
    return {t["tag"]: str(t.get("value") or "") for t in value}


def zabbix_event(item: Any, now: datetime, tz: Any = UTC) -> dict[str, Any]:
    """One Zabbix problem or recovery event: fingerprint "zbx:<trigger>:<host>", so the
    recovery of a trigger clears its problem."""
    errors: Errors = {}
    host = _text(errors, "host", item.get("host"), limit=RESOURCE_MAX, required=True)
    trigger = item.get("trigger_id")
    trigger = (
        str(trigger) if isinstance(trigger, int) and not isinstance(trigger, bool) else trigger
    )
    trigger = _text(errors, "trigger_id", trigger, limit=40, required=True)
    name = _text(errors, "event_name", item.get("event_name"), limit=SUMMARY_MAX, required=True)
    value = item.get("event_value")
    status = ZBX_VALUES.get(str(value).strip() if isinstance(value, str | int) else "")
    if status is None:
        errors["event_value"] = ['Expected "1" (problem) or "0" (recovery).']
    raw_severity = item.get("event_severity")
    if raw_severity is not None and not isinstance(raw_severity, str):
        errors["event_severity"] = [f"Expected a string, got {_kind_of(raw_severity)}."]
        raw_severity = ""
    occurred_at = _zabbix_time(item, errors, now, tz)
    tags = _zabbix_tags(errors, item.get("tags"))
    opdata = _text(errors, "event_opdata", item.get("event_opdata"), limit=SUMMARY_MAX)
    event_id = item.get("event_id")
    if errors:
        raise Refused(errors)
    category = tags.get("category", "").strip().lower()
    return _event(
        fingerprint=f"zbx:{trigger}:{host}",
        resource=host,
        event_type=_clip(name, EVENT_TYPE_MAX),
        severity=ZBX_SEVERITY.get((raw_severity or "").strip().lower(), Severity.WARNING),
        category=category if category in CATEGORIES else "",
        status=status or FIRING,
        summary=name,
        occurred_at=occurred_at,
        attributes={
            "event_id": str(event_id) if event_id is not None else "",
            "trigger_id": trigger,
            "severity": raw_severity or "",
            "tags": tags,
            "opdata": opdata,
        },
    )


# --- One entry point -------------------------------------------------------------------------


def _reader(kind: str, payload: Any, tz: Any) -> tuple[list[Any], Callable[[Any, datetime], dict]]:
    if kind == SourceKind.ALERTMANAGER:
        items = alertmanager_items(payload)
        group_key = payload.get("groupKey")
        key = group_key if isinstance(group_key, str) else ""
        return items, lambda item, now: alertmanager_event(item, now, key)
    if kind == SourceKind.ZABBIX:
        items = zabbix_items(payload)
        return items, lambda item, now: zabbix_event(item, now, tz)
    return generic_items(payload), generic_event


def parse(
    kind: str, payload: Any, *, now: datetime, max_batch: int, tz: Any = UTC
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``payload`` (decoded JSON) of the ``kind`` endpoint: (accepted, refused). ``tz``:
    the zone of times sent without an offset by Zabbix (its server's local time)."""
    items, read = _reader(kind, payload, tz)
    if not items:
        raise BodyError("The body holds no events.")
    if len(items) > max_batch:
        raise TooManyEvents(len(items), max_batch)
    accepted, refused = [], []
    for index, item in enumerate(items):
        try:
            accepted.append(read(item, now))
        except Refused as refusal:
            refused.append({"index": index, "errors": refusal.errors})
    return accepted, refused


def unstorable(value: Any) -> str | None:
    """What a database cannot keep in a JSON column (PostgreSQL's jsonb refuses NUL and
    lone surrogates): the message, or None. Only walked when the raw body hints at it."""
    if isinstance(value, str):
        if "\x00" in value:
            return "Text may not contain NUL characters (\\u0000)."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "Text may not contain unpaired surrogates (\\ud800-\\udfff)."
        return None
    if isinstance(value, dict):
        items: Iterable[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        if message := unstorable(item):
            return message
    return None
