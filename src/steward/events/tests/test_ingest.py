"""The ingestion endpoints from a monitoring tool's side: the lean WSGI path that serves
them in production and its API twins inside Django, which answer alike; tokens, limits,
and what lands in the inbox."""

import io
import json
from typing import Any

import jsonschema
import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from steward.core.tests.api import error_code, field_errors
from steward.events import ingest, tokens
from steward.events.models import EventInbox, EventSource

GENERIC, ALERTMANAGER, ZABBIX = ingest.ENDPOINTS.values()
DISK = {"resource": "web-01", "event_type": "disk_full", "severity": "major"}
ALERT = {
    "status": "firing",
    "labels": {"alertname": "InstanceDown", "instance": "web-01:9100", "severity": "critical"},
    "annotations": {"summary": "web-01 is down"},
    "startsAt": "2026-03-01T08:30:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "fingerprint": "5f1e7d2c9a3b4e61",
}
PROBLEM = {
    "event_id": "48213",
    "event_value": "1",
    "event_severity": "High",
    "host": "web-01",
    "trigger_id": "23817",
    "event_name": "High CPU utilization",
}
AM_TOKEN, ZBX_TOKEN = "evt_test_alertmanager_token_0123", "evt_test_zabbix_token_0123456789"


class Reply:
    """One answer, whichever path gave it."""

    def __init__(self, status: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, content

    def json(self) -> Any:
        return json.loads(self.content)

    def __getitem__(self, name: str) -> str:
        return self.headers[name]


def _encode(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def _meta(token: str | None, header: str) -> dict[str, str]:
    if token is None:
        return {}
    if header == "bearer":
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return {"HTTP_X_STEWARD_TOKEN": token}


@pytest.fixture
def lean(db, monkeypatch):
    """Call the WSGI app of steward/wsgi.py (the lean path) in this process. The test's
    transaction holds the connection: leave it open, as Django's test client does."""
    monkeypatch.setattr(ingest, "close_old_connections", lambda: None)
    django_paths: list[str] = []

    def django_app(environ, start_response):
        django_paths.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"django"]

    app = ingest.with_ingestion(django_app)

    def call(path, body=b"", *, token=None, header="bearer", method="POST", length=True, **meta):
        data = _encode(body)
        environ = RequestFactory().generic(method, path, **_meta(token, header), **meta).environ
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data)) if length else ""
        answer: dict[str, Any] = {}

        def start_response(status, headers):
            answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

        content = b"".join(app(environ, start_response))
        return Reply(answer["status"], answer["headers"], content)

    call.django_paths = django_paths
    return call


@pytest.fixture
def twin(db):
    """The same requests through Django (the documented API twins)."""

    def call(path, body=b"", *, token=None, header="bearer", method="POST", **meta):
        response = Client().generic(
            method, path, _encode(body), "application/json", **_meta(token, header), **meta
        )
        return Reply(response.status_code, dict(response.headers), response.content)

    return call


@pytest.fixture(params=["lean", "twin"])
def post(request, lean, twin, source, source_token):
    """Either path, the generic source's token by default."""
    call = lean if request.param == "lean" else twin

    def send(path=GENERIC, body=DISK, *, token=source_token, **kwargs):
        return call(path, body, token=token, **kwargs)

    return send


def _source(name: str, kind: str, token: str, **fields: Any) -> EventSource:
    return EventSource.objects.create(
        name=name, kind=kind, token_hash=tokens.digest(token), token_hint=token[:8], **fields
    )


@pytest.fixture
def am_source(db):
    return _source("Alertmanager", "alertmanager", AM_TOKEN)


@pytest.fixture
def zbx_source(db):
    return _source("Zabbix", "zabbix", ZBX_TOKEN)


def inbox() -> list[tuple[int, dict]]:
    return list(EventInbox.objects.order_by("pk").values_list("source_id", "data"))


# --- Accepted events land in the inbox -------------------------------------------------------


def test_one_event_is_accepted_and_kept(post, source):
    reply = post(body={**DISK, "time": "2026-03-01T08:30:00Z"})

    assert (reply.status_code, reply.json()) == (202, {"accepted": 1, "refused": []})
    [(source_id, data)] = inbox()
    assert source_id == source.pk
    assert data["resource"] == "web-01" and data["occurred_at"] == "2026-03-01T08:30:00+00:00"
    assert EventInbox.objects.get().received_at is not None


def test_a_batch_keeps_the_good_events_and_lists_the_bad(post):
    body = {"events": [DISK, {**DISK, "severity": "urgent"}, {**DISK, "resource": "web-02"}]}

    reply = post(body=body)

    assert reply.status_code == 202
    assert reply.json() == {
        "accepted": 2,
        "refused": [
            {
                "index": 1,
                "errors": {
                    "severity": ['"urgent" is not one of: critical, major, minor, warning, info.']
                },
            }
        ],
    }
    assert [data["resource"] for _, data in inbox()] == ["web-01", "web-02"]  # in their order


def test_every_event_refused_is_a_400_in_the_api_error_shape_with_the_lists(post):
    reply = post(body=[{**DISK, "severity": "urgent"}, {"resource": "web-01"}])

    assert reply.status_code == 400
    body = reply.json()
    assert (body["type"], body["accepted"]) == ("validation_error", 0)
    assert [r["index"] for r in body["refused"]] == [0, 1]
    assert field_errors(reply) == {
        "events.0.severity": ['"urgent" is not one of: critical, major, minor, warning, info.'],
        "events.1.event_type": ["This field is required."],
    }
    assert inbox() == []


def test_alertmanager_and_zabbix_have_their_endpoints(post, am_source, zbx_source):
    alerts = post(ALERTMANAGER, {"version": "4", "alerts": [ALERT, ALERT]}, token=AM_TOKEN)
    zabbix = post(ZABBIX, PROBLEM, token=ZBX_TOKEN, header="x-steward-token")
    refused = post(ALERTMANAGER, {"alerts": [{"labels": {}}]}, token=AM_TOKEN)

    assert (alerts.status_code, alerts.json()) == (202, {"accepted": 2, "refused": []})
    assert (zabbix.status_code, zabbix.json()) == (202, {"accepted": 1, "refused": []})
    assert field_errors(refused) == {"alerts.0.labels.alertname": ["This field is required."]}
    assert [(s, d["fingerprint"]) for s, d in inbox()] == [
        (am_source.pk, "am:5f1e7d2c9a3b4e61"),
        (am_source.pk, "am:5f1e7d2c9a3b4e61"),
        (zbx_source.pk, "zbx:23817:web-01"),
    ]


def test_text_a_database_cannot_keep_is_refused_not_a_server_error(post):
    body = [
        DISK,
        {**DISK, "summary": "bad\u0000byte"},
        {**DISK, "attributes": {"k": "\ud83d"}},
        {**DISK, "attributes": {"v": 1e400}},  # inf: JSON has no such number
    ]

    reply = post(body=json.dumps(body).replace("Infinity", "1e400").encode())

    assert reply.status_code == 202
    assert reply.json()["refused"] == [
        {"index": 1, "errors": {"event": ["Text may not contain NUL characters (\\u0000)."]}},
        {"index": 2, "errors": {"event": ["Text may not contain unpaired surrogates (\\ud800-\\udfff)."]}},
        {"index": 3, "errors": {"event": ["Numbers must be finite (this one is too large)."]}},
    ]  # fmt: skip
    assert len(inbox()) == 1


# --- Who may send ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "header", "status", "code"),
    [
        (None, "bearer", 401, "not_authenticated"),
        ("evt_nobody_has_this_token_00000000", "bearer", 401, "authentication_failed"),
        ("evt_test_generic_token_0123456789", "bearer", 202, None),
        ("evt_test_generic_token_0123456789", "x-steward-token", 202, None),
    ],
)
def test_the_source_token_is_required(post, token, header, status, code):
    reply = post(token=token, header=header)

    assert reply.status_code == status
    if code:
        assert error_code(reply) == code
        assert reply["WWW-Authenticate"].startswith('Bearer realm="steward events"')
        assert inbox() == []


def test_a_personal_api_token_is_no_source_token(post):
    reply = post(token=None, HTTP_AUTHORIZATION="Token evt_test_generic_token_0123456789")
    assert (reply.status_code, error_code(reply)) == (401, "not_authenticated")


def test_a_switched_off_source_is_refused_within_seconds(post, source, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ingest, "clock", lambda: now[0])
    assert post().status_code == 202
    EventSource.objects.filter(pk=source.pk).update(is_active=False)

    cached = post()  # the source is cached for a few seconds
    now[0] += ingest.CACHE_SECONDS
    refused = post()

    assert cached.status_code == 202
    assert (refused.status_code, error_code(refused)) == (401, "authentication_failed")


def test_a_source_posting_to_another_format_is_told_where(post, am_source):
    reply = post(GENERIC, DISK, token=AM_TOKEN)

    assert (reply.status_code, error_code(reply)) == (403, "permission_denied")
    assert ALERTMANAGER in reply.json()["errors"][0]["detail"]
    assert inbox() == []


# --- Limits ----------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_it_is_read(post, settings):
    settings.STEWARD_EVENTS_MAX_BODY_BYTES = 300
    body = {**DISK, "summary": "x" * 300}

    reply = post(body=body)

    assert (reply.status_code, error_code(reply)) == (413, "too_large")
    assert "limit of 300 bytes" in reply.json()["errors"][0]["detail"]
    assert inbox() == []


def test_a_chunked_body_over_the_limit_is_refused_by_the_bytes_read(
    lean, source, source_token, settings
):
    settings.STEWARD_EVENTS_MAX_BODY_BYTES = 300
    big, small = {**DISK, "summary": "x" * 300}, DISK

    refused = lean(GENERIC, big, token=source_token, length=False)
    taken = lean(GENERIC, small, token=source_token, length=False)

    assert (refused.status_code, error_code(refused)) == (413, "too_large")
    assert taken.status_code == 202


def test_more_events_than_a_batch_may_hold_is_refused_whole(post, settings):
    settings.STEWARD_EVENTS_MAX_BATCH = 3

    reply = post(body=[DISK] * 4)

    assert (reply.status_code, error_code(reply)) == (413, "too_large")
    assert reply.json()["errors"][0]["detail"].startswith("The body holds 4 events; at most 3")
    assert inbox() == []


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        (b"{not json", "parse_error", "The body is not JSON (UTF-8)."),
        (b"\xff\xfe", "parse_error", "The body is not JSON (UTF-8)."),
        (
            b'{"resource": "a", "event_type": "\xed\xa0\x80"}',
            "parse_error",
            "The body is not JSON (UTF-8).",
        ),
        (b"[" * 100_000, "parse_error", "The body is not JSON (UTF-8)."),
        (b"", "parse_error", "The body is not JSON (UTF-8)."),
        (
            b'{"resource": "a", "event_type": "b", "attributes": {"v": NaN}}',
            "parse_error",
            "The body is not JSON (UTF-8).",
        ),
        (b"42", "invalid", 'Expected an event object, a list of events or {"events": [...]}.'),
        (b"[]", "invalid", "The body holds no events."),
    ],
    ids=["broken", "not utf-8", "surrogate", "deep", "empty", "NaN", "a number", "no events"],
)
def test_a_body_that_is_not_events_is_a_400(post, body, code, detail):
    reply = post(body=body)

    assert (reply.status_code, error_code(reply)) == (400, code)
    assert reply.json()["errors"][0]["detail"] == detail


def test_only_post_is_allowed(post):
    reply = post(method="GET", body=b"")

    assert (reply.status_code, error_code(reply)) == (405, "method_not_allowed")
    assert reply.json()["errors"][0]["detail"] == 'Method "GET" not allowed.'


def test_the_source_rate_is_held_with_retry_after(post, source, monkeypatch):
    EventSource.objects.filter(pk=source.pk).update(rate_limit=5)
    now = [1000.0]
    monkeypatch.setattr(ingest, "clock", lambda: now[0])

    burst = post(body=[DISK] * 5)  # one second's worth at once
    over = post(body=DISK)
    now[0] += 0.2  # one event's worth later
    next_one = post(body=DISK)
    big = post(body=[DISK] * 8)  # more than the burst: waits for a full bucket
    now[0] += 1.0
    big_later = post(body=[DISK] * 8)  # taken, and the bucket is in debt (-3)
    now[0] += 0.5
    in_debt = post(body=DISK)

    assert [r.status_code for r in (burst, over, next_one, big, big_later, in_debt)] == [
        202, 429, 202, 429, 202, 429,
    ]  # fmt: skip
    assert (error_code(over), over["Retry-After"]) == ("throttled", "1")
    assert in_debt["Retry-After"] == "1"
    assert len(inbox()) == 5 + 1 + 8


def test_a_rate_of_zero_is_no_limit(post, source):
    EventSource.objects.filter(pk=source.pk).update(rate_limit=0)
    assert [post(body=[DISK] * 50).status_code for _ in range(3)] == [202, 202, 202]


def test_a_database_that_is_down_answers_503_so_the_sender_sends_again(post, monkeypatch):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ingest, "inbox_append", down)

    reply = post()

    assert (reply.status_code, error_code(reply), reply["Retry-After"]) == (503, "unavailable", "5")


# --- The lean path and its twins -------------------------------------------------------------


def test_the_lean_path_takes_only_its_paths_and_leaves_the_rest_to_django(
    lean, source, source_token
):
    taken = lean(GENERIC, DISK, token=source_token)
    other = lean("/api/v1/events/", b"", method="GET")
    near = lean("/api/v1/events/ingest", DISK, token=source_token)  # no slash: Django's 404

    assert taken.status_code == 202
    assert (other.content, near.content) == (b"django", b"django")
    assert lean.django_paths == ["/api/v1/events/", "/api/v1/events/ingest"]


def test_the_lean_app_alone_answers_an_unknown_path_with_a_json_404(monkeypatch):
    answer: dict[str, Any] = {}
    environ = RequestFactory().post("/api/v1/events/other/").environ

    content = ingest.application(environ, lambda s, h: answer.update(status=s, headers=dict(h)))

    assert answer["status"] == "404 Not Found"
    assert json.loads(b"".join(content))["errors"][0]["code"] == "not_found"


def test_lean_answers_carry_the_security_headers(lean, source, source_token):
    reply = lean(GENERIC, DISK, token=source_token)

    assert reply["X-Content-Type-Options"] == "nosniff"
    assert reply["Cache-Control"] == "no-store, private"
    assert reply["Content-Type"] == "application/json"
    assert int(reply["Content-Length"]) == len(reply.content)


REQUESTS = [
    ("one event", GENERIC, DISK, {}),
    ("a batch with a bad event", GENERIC, [DISK, {"resource": 1}], {}),
    ("every event bad", GENERIC, [{"event_type": "x"}], {}),
    ("not json", GENERIC, b"{", {}),
    ("no events", GENERIC, {"events": []}, {}),
    ("too many", GENERIC, [DISK] * 4, {}),
    ("too large", GENERIC, {**DISK, "summary": "x" * 600}, {}),
    ("no token", GENERIC, DISK, {"token": None}),
    ("wrong token", GENERIC, DISK, {"token": "evt_wrong"}),
    ("wrong endpoint", ALERTMANAGER, DISK, {}),
    ("wrong method", GENERIC, b"", {"method": "GET"}),
    ("options", GENERIC, b"", {"method": "OPTIONS"}),
    ("put", ZABBIX, PROBLEM, {"method": "PUT"}),
    ("an html client", GENERIC, DISK, {"HTTP_ACCEPT": "text/html"}),
]


@pytest.mark.parametrize(
    ("path", "body", "options"), [r[1:] for r in REQUESTS], ids=[r[0] for r in REQUESTS]
)
def test_the_lean_path_and_the_api_twin_answer_alike(
    lean, twin, source, source_token, settings, path, body, options
):
    settings.STEWARD_EVENTS_MAX_BATCH, settings.STEWARD_EVENTS_MAX_BODY_BYTES = 3, 500
    options = {"token": source_token, **options}

    lean_reply, twin_reply = lean(path, body, **options), twin(path, body, **options)

    assert lean_reply.status_code == twin_reply.status_code
    assert lean_reply.json() == twin_reply.json()
    assert lean_reply.headers.get("Retry-After") == twin_reply.headers.get("Retry-After")
    assert lean_reply.headers.get("Allow") == twin_reply.headers.get("Allow")


def _resolved(node: Any, schema: dict) -> Any:
    if isinstance(node, list):
        return [_resolved(item, schema) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return _resolved(schema["components"]["schemas"][name], schema)
    out = {k: _resolved(v, schema) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def test_the_schema_documents_the_three_endpoints_for_an_integrator(
    client, source, source_token, am_source, zbx_source, twin
):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    answers = schema["paths"][GENERIC]["post"]["responses"]
    body = answers["202"]["content"]["application/json"]["schema"]
    error = answers["400"]["content"]["application/json"]["schema"]
    sent = [
        (path, token, example["value"])
        for path, token in ((GENERIC, source_token), (ALERTMANAGER, AM_TOKEN), (ZABBIX, ZBX_TOKEN))
        for example in schema["paths"][path]["post"]["requestBody"]["content"]["application/json"][
            "examples"
        ].values()
    ]

    for path in (GENERIC, ALERTMANAGER, ZABBIX):
        [method] = schema["paths"][path]
        operation = schema["paths"][path]["post"]
        assert method == "post"
        assert {"202", "400", "401", "403", "413", "429"} <= set(operation["responses"])
        assert operation["security"] == [{"sourceToken": []}]
        assert operation["requestBody"]["content"]["application/json"]["examples"]
        assert "monitoring source, with its token" in operation["description"]
    assert schema["components"]["securitySchemes"]["sourceToken"]["scheme"] == "bearer"
    # The answers are what the schema says, the examples are taken as they are.
    assert len(sent) == 4
    for path, token, value in sent:
        accepted = twin(path, value, token=token)
        assert accepted.status_code == 202, accepted.content
        jsonschema.validate(accepted.json(), _resolved(body, schema))
    refused = twin(GENERIC, [{"event_type": "x"}], token=source_token)
    jsonschema.validate(refused.json(), _resolved(error, schema))
