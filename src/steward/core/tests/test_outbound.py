"""Server-side request forgery: webhook targets are refused when they are not public
addresses, when subscribing (API and page) and again when connecting; no redirect is
followed; timeouts and a response cap hold; nothing the target answers is kept.

No test here sends a byte anywhere but to listeners on 127.0.0.1 started by the test: the
resolver is faked for names, and ``_only_loopback`` fails a test that would connect
anywhere else.
"""

import ipaddress
import socket
import threading

import pytest
import urllib3.util.connection
from django.db import transaction

from steward.core import notify, outbound, webhooks
from steward.core.choices import DeliveryStatus, SecurityEventKind
from steward.core.models import SecurityEvent, WebhookDelivery, WebhookSubscription
from steward.core.tests.api import field_errors
from steward.core.tests.factories import OrganisationFactory
from steward.core.tests.processes import HookReceiver

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests-only-0123456789"
PUBLIC = "93.184.216.34"  # a public address the fake resolver hands out; never connected to


@pytest.fixture(autouse=True)
def _only_loopback(monkeypatch):
    real = urllib3.util.connection.create_connection

    def guarded(address, *args, **kwargs):
        host = address[0].strip("[]")
        assert ipaddress.ip_address(host).is_loopback, f"test tried to connect to {host}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", guarded)


@pytest.fixture
def resolver(monkeypatch):
    """``resolver["name"] = "1.2.3.4"`` makes the name resolve there (for every caller)."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def fake(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.lower() not in names:
            return real(host, port, family, type, proto, flags)
        ip = ipaddress.ip_address(names[name.lower()])
        kind = socket.SOCK_STREAM
        if ip.version == 6:
            return [(socket.AF_INET6, kind, 6, "", (str(ip), port or 0, 0, 0))]
        return [(socket.AF_INET, kind, 6, "", (str(ip), port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return names


@pytest.fixture
def listener():
    with HookReceiver() as server:
        yield server


def _subscribe(url: str) -> WebhookSubscription:
    # Written directly, as a row from before the guard (or one whose name resolved to a
    # public address when it was saved) would be: delivery must refuse it by itself.
    return WebhookSubscription.objects.create(name="Hook", url=url, secret=SECRET)


def _publish(capture) -> WebhookDelivery:
    with capture(execute=True), transaction.atomic():
        notify.record_event(
            record=OrganisationFactory(), event="core.organisation.updated", actor=None
        )
    return WebhookDelivery.objects.latest("pk")


def _refusals() -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=SecurityEventKind.OUTBOUND_REFUSED))


# --- Refused when subscribing ---------------------------------------------------------------

REFUSED_URLS = [
    ("http://localhost:8080/hook", "loopback address"),
    ("http://127.0.0.1/hook", "loopback address"),
    ("http://127.1.2.3:6379/", "loopback address"),
    ("http://[::1]/", "loopback address"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped IPv6 address"),
    ("http://[::ffff:a9fe:a9fe]/", "IPv4-mapped IPv6 address"),
    ("http://169.254.169.254/latest/meta-data/", "link-local address"),
    ("http://[fe80::1]/", "link-local address"),
    ("http://10.0.0.1/", "private address"),
    ("http://172.16.5.4/", "private address"),
    ("http://192.168.1.10:8080/", "private address"),
    ("http://[fd00::1]/", "private address"),
    ("http://100.64.0.1/", "not a public address"),
    ("http://0.0.0.0:8000/", "unspecified address"),
    ("http://[::]/", "unspecified address"),
    ("http://224.0.0.1/", "multicast address"),
    ("http://[2002:7f00:1::]/", "6to4 address"),
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo address"),
    ("http://hooks.localhost/", "loopback address"),
    ("http://internal.example/hook", "loopback address"),  # the fake resolver: 127.0.0.1
    ("http://metadata.example/", "link-local address"),  # the fake resolver: 169.254.169.254
    ("file:///etc/passwd", None),
    ("gopher://127.0.0.1:6379/_FLUSHALL", None),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS)
def test_api_refuses_subscriptions_to_non_public_targets(api, admin_person, resolver, url, reason):
    resolver["internal.example"] = "127.0.0.1"
    resolver["metadata.example"] = "169.254.169.254"

    response = api.as_(admin_person).post(
        "/api/v1/webhooks/", {"name": "Probe", "url": url}, format="json"
    )

    assert response.status_code == 400
    [message] = field_errors(response)["url"]
    if reason is not None:
        assert f"({reason})" in message and "STEWARD_OUTBOUND_ALLOW" in message
    assert not WebhookSubscription.objects.exists()
    [event] = _refusals()
    assert event.actor == admin_person
    assert event.detail.startswith("webhook subscription to ")
    assert "/latest/meta-data" not in event.detail  # the path (a receiver's token) is not logged


def test_api_refuses_changing_a_subscription_to_a_non_public_target(api, admin_person):
    subscription = WebhookSubscription.objects.create(
        name="Chat", url="https://chat.example.com/hook", secret=SECRET
    )

    response = api.as_(admin_person).patch(
        f"/api/v1/webhooks/{subscription.pk}/", {"url": "http://[::1]:6379/"}, format="json"
    )

    assert response.status_code == 400
    assert "loopback address" in field_errors(response)["url"][0]
    subscription.refresh_from_db()
    assert subscription.url == "https://chat.example.com/hook"
    assert len(_refusals()) == 1


def test_a_name_resolving_to_any_refused_address_is_refused(api, admin_person, monkeypatch):
    real = socket.getaddrinfo

    def two_addresses(host, port, *args, **kwargs):
        if host != "split.example":
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port or 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.1.1", port or 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)

    response = api.as_(admin_person).post(
        "/api/v1/webhooks/", {"name": "Split", "url": "https://split.example/"}, format="json"
    )

    assert response.status_code == 400
    assert "private address" in field_errors(response)["url"][0]


def test_public_targets_and_allowlisted_ones_are_accepted(api, admin_person, resolver, settings):
    resolver["hooks.example"] = PUBLIC
    client = api.as_(admin_person)

    def create(url):
        return client.post("/api/v1/webhooks/", {"name": url, "url": url}, format="json")

    assert create("https://hooks.example/in").status_code == 201
    assert create("http://10.20.30.40:8080/in").status_code == 400
    assert create("http://ci.corp.example/in").status_code == 201  # does not resolve now
    settings.STEWARD_OUTBOUND_ALLOW = ["10.20.0.0/16", "jenkins.corp.example"]
    resolver["jenkins.corp.example"] = "10.99.0.5"  # outside the range: trusted by name

    assert create("http://10.20.30.40:8080/in").status_code == 201
    assert create("http://jenkins.corp.example/hook").status_code == 201
    assert create("http://10.21.0.1/in").status_code == 400
    assert WebhookSubscription.objects.count() == 4


def test_page_form_shows_the_refusal_on_the_url_field(client, admin_person):
    client.force_login(admin_person)

    response = client.post(
        "/webhooks/new/", {"name": "Metadata", "url": "http://169.254.169.254/", "is_active": "on"}
    )

    assert response.status_code == 400
    [message] = response.context["form"].errors["url"]
    assert "link-local address" in message
    assert not WebhookSubscription.objects.exists()
    assert len(_refusals()) == 1


def test_page_edit_refuses_a_loopback_target(client, admin_person):
    subscription = WebhookSubscription.objects.create(
        name="Chat", url="https://chat.example.com/hook", secret=SECRET
    )
    client.force_login(admin_person)

    response = client.post(
        f"/webhooks/{subscription.pk}/edit/",
        {"name": "Chat", "url": "http://127.0.0.1:5432/", "events_text": "", "is_active": "on"},
    )

    assert response.status_code == 400
    assert "loopback address" in response.context["form"].errors["url"][0]
    subscription.refresh_from_db()
    assert subscription.url == "https://chat.example.com/hook"


# --- Refused when connecting ------------------------------------------------------------------

LOOPBACK_FORMS = [
    "http://127.0.0.1:{port}/hook",
    "http://localhost:{port}/hook",
    "http://127.1:{port}/hook",
    "http://2130706433:{port}/hook",
    "http://0x7f.0.0.1:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://0.0.0.0:{port}/hook",
    "http://rebound.example:{port}/hook",
]


@pytest.mark.parametrize("form", LOOPBACK_FORMS)
def test_deliveries_to_a_loopback_listener_are_not_made(
    listener, resolver, django_capture_on_commit_callbacks, form
):
    resolver["rebound.example"] = "127.0.0.1"
    _subscribe(form.format(port=listener.port))

    delivery = _publish(django_capture_on_commit_callbacks)

    assert listener.requests == []
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.RETRYING, None)
    assert delivery.last_error.startswith("Target refused: ")
    [event] = _refusals()
    assert event.detail.startswith(f"webhook delivery {delivery.pk} to http://")


def test_dns_rebinding_after_subscribing_is_refused_at_connect_time(
    api, admin_person, listener, resolver, django_capture_on_commit_callbacks
):
    resolver["rebind.example"] = PUBLIC
    created = api.as_(admin_person).post(
        "/api/v1/webhooks/",
        {"name": "Rebind", "url": f"http://rebind.example:{listener.port}/hook"},
        format="json",
    )
    assert created.status_code == 201
    resolver["rebind.example"] = "127.0.0.1"  # the attacker's DNS answers differently now

    with django_capture_on_commit_callbacks(execute=True):
        api.as_(admin_person).post(f"/api/v1/webhooks/{created.json()['id']}/ping/")

    assert listener.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error == "Target refused: loopback address"
    logged = api.as_(admin_person).get(f"/api/v1/webhook-deliveries/{delivery.pk}/").json()
    assert (logged["status"], logged["last_error"]) == (
        "retrying",
        "Target refused: loopback address",
    )


def test_a_non_http_url_stored_before_the_guard_is_refused(django_capture_on_commit_callbacks):
    _subscribe("file:///etc/passwd")

    delivery = _publish(django_capture_on_commit_callbacks)

    assert delivery.last_error == "Target refused: only http and https addresses"


def test_allowlisted_range_opens_the_listener(
    listener, settings, django_capture_on_commit_callbacks
):
    _subscribe(listener.url)
    assert _publish(django_capture_on_commit_callbacks).status == DeliveryStatus.RETRYING
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.0/8"]

    delivery = _publish(django_capture_on_commit_callbacks)

    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 200)
    assert len(listener.requests) == 1


def test_allowlisted_name_opens_the_listener_and_keeps_its_host_header(
    listener, settings, resolver, django_capture_on_commit_callbacks
):
    resolver["hooks.corp.example"] = "127.0.0.1"
    _subscribe(f"http://hooks.corp.example:{listener.port}/hook")
    assert _publish(django_capture_on_commit_callbacks).status == DeliveryStatus.RETRYING
    settings.STEWARD_OUTBOUND_ALLOW = "10.0.0.0/8, Hooks.Corp.Example"

    delivery = _publish(django_capture_on_commit_callbacks)

    assert delivery.status == DeliveryStatus.DELIVERED
    [request] = listener.requests
    assert request["headers"]["Host"] == f"hooks.corp.example:{listener.port}"


def test_an_allowlisted_range_does_not_open_other_addresses(
    listener, settings, resolver, django_capture_on_commit_callbacks
):
    settings.STEWARD_OUTBOUND_ALLOW = ["10.0.0.0/8"]
    resolver["sneaky.example"] = "127.0.0.1"
    _subscribe(f"http://sneaky.example:{listener.port}/hook")

    delivery = _publish(django_capture_on_commit_callbacks)

    assert listener.requests == []
    assert delivery.last_error == "Target refused: loopback address"


def test_a_bad_allowlist_entry_is_a_clear_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.STEWARD_OUTBOUND_ALLOW = ["http://hooks.example/"]

    with pytest.raises(ImproperlyConfigured, match="STEWARD_OUTBOUND_ALLOW"):
        outbound.allowlist()


# --- Answers: redirects, error pages, size, time -------------------------------------------


@pytest.fixture
def allow_loopback(settings):
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    allow_loopback, listener, django_capture_on_commit_callbacks
):
    def moved(handler):
        handler.send_response(302)
        handler.send_header("Location", listener.url + "/elsewhere")
        handler.send_header("Content-Length", "12")
        handler.end_headers()
        handler.wfile.write(b"go elsewhere")

    with HookReceiver(moved) as redirecting:
        _subscribe(redirecting.url)
        delivery = _publish(django_capture_on_commit_callbacks)

    assert len(redirecting.requests) == 1
    assert listener.requests == []  # the Location was not visited
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        DeliveryStatus.RETRYING,
        302,
        "HTTP 302 Found",
    )


def test_the_delivery_log_keeps_the_status_not_the_error_page(
    allow_loopback, api, admin_person, django_capture_on_commit_callbacks
):
    page = b"<html>Traceback: password=hunter2 at db.internal:5432</html>"

    def broken(handler):
        handler.send_response(500, "Oops password=hunter2")
        handler.send_header("Content-Length", str(len(page)))
        handler.end_headers()
        handler.wfile.write(page)

    with HookReceiver(broken) as target:
        _subscribe(target.url)
        delivery = _publish(django_capture_on_commit_callbacks)

    assert (delivery.last_status_code, delivery.last_error) == (
        500,
        "HTTP 500 Internal Server Error",
    )
    logged = api.as_(admin_person).get("/api/v1/webhook-deliveries/").content.decode()
    assert "hunter2" not in logged and "Traceback" not in logged


class _Firehose:
    """Answers 200 and then streams far more than any cap; counts what it could send."""

    TOTAL = 256 * 1024 * 1024

    def __init__(self) -> None:
        self.sent = 0
        self.done = threading.Event()
        self.listener = HookReceiver(self.answer)

    def answer(self, handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(self.TOTAL))
        handler.end_headers()
        chunk = b"x" * 65536
        try:
            while self.sent < self.TOTAL:
                handler.wfile.write(chunk)
                self.sent += len(chunk)
        except OSError:
            pass  # the client hung up
        finally:
            self.done.set()


def test_a_large_answer_is_cut_off_at_the_cap_without_reading_it_all(allow_loopback, settings):
    settings.STEWARD_OUTBOUND_MAX_RESPONSE_BYTES = 10_000
    firehose = _Firehose()
    try:
        response = outbound.request("POST", firehose.listener.url, purpose="test", body=b"{}")
        assert firehose.done.wait(30)
    finally:
        firehose.listener.close()

    assert (response.status, len(response.body), response.truncated) == (200, 10_000, True)
    # The connection was dropped: the sender got no further than the socket buffers.
    assert firehose.sent < _Firehose.TOTAL // 4


def test_a_target_that_never_answers_times_out(
    allow_loopback, settings, django_capture_on_commit_callbacks
):
    settings.STEWARD_OUTBOUND_READ_TIMEOUT = 0.2
    release = threading.Event()
    silent = HookReceiver(lambda handler: release.wait(30))
    try:
        _subscribe(silent.url)
        delivery = _publish(django_capture_on_commit_callbacks)
    finally:
        release.set()
        silent.close()

    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        DeliveryStatus.RETRYING,
        None,
        "Could not connect: timed out",
    )


def test_the_client_refuses_non_http_schemes_and_logs_it():
    with pytest.raises(outbound.TargetRefused, match="only http and https"):
        outbound.request("GET", "gopher://127.0.0.1:6379/_INFO", purpose="test")

    [event] = _refusals()
    assert event.detail == "test to gopher://127.0.0.1:6379: only http and https addresses"


def test_every_outbound_http_call_goes_through_the_one_client():
    """No module but core.outbound opens HTTP connections of its own. The one exception
    talks to no other server: ``steward serve`` asks the web server it started itself, at
    its own bind address, whether it answers yet (to print the logins after it does)."""
    import pathlib
    import re

    root = pathlib.Path(webhooks.__file__).resolve().parents[1]
    pattern = re.compile(
        r"^\s*(import|from)\s+(urllib\.request|http\.client|requests|httpx|urllib3|aiohttp)\b",
        re.M,
    )
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "outbound.py"
        and path.relative_to(root).as_posix() != "core/management/commands/serve.py"
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_a_target_that_accepts_no_connection_times_out(
    allow_loopback, settings, django_capture_on_commit_callbacks
):
    settings.STEWARD_OUTBOUND_CONNECT_TIMEOUT = 0.2
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)  # never accepts: once one connection waits, new ones get no answer
    port = full.getsockname()[1]
    waiting = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        _subscribe(f"http://127.0.0.1:{port}/hook")
        delivery = _publish(django_capture_on_commit_callbacks)
    finally:
        waiting.close()
        full.close()

    assert delivery.last_error == "Could not connect: timed out"


def test_steward_check_names_refused_subscriptions_and_a_bad_allowlist(settings):
    import io

    from django.core.management import CommandError, call_command

    from steward.core.checks import _outbound_checks

    WebhookSubscription.objects.create(name="Old metadata hook", url="http://169.254.169.254/")
    out = io.StringIO()
    call_command("stewardcheck", stdout=out)
    assert "steward.W010" in out.getvalue()
    assert "Old metadata hook (link-local address)" in out.getvalue()
    assert not _refusals()  # checking is not an attempt: nothing in the audit log

    settings.STEWARD_OUTBOUND_ALLOW = "169.254.0.0/16"
    assert _outbound_checks() == []

    settings.STEWARD_OUTBOUND_ALLOW = "https://hooks.example/"
    with pytest.raises(CommandError):
        call_command("stewardcheck", stdout=io.StringIO())


def test_error_pages_stored_before_the_guard_are_cut_to_the_status_line():
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "steward.core.migrations.0005_webhook_delivery_errors_without_bodies"
    )
    subscription = _subscribe("https://hooks.example/in")
    old = WebhookDelivery.objects.create(
        subscription=subscription, event="x", record_type="a.b", payload={},
        last_status_code=500, last_error="HTTP 500 Oops. <html>password=hunter2</html>",
    )  # fmt: skip
    unreachable = WebhookDelivery.objects.create(
        subscription=subscription, event="x", record_type="a.b", payload={},
        last_error="Could not connect: [Errno 111] Connection refused",
    )  # fmt: skip

    migration.forwards(apps, None)

    old.refresh_from_db()
    unreachable.refresh_from_db()
    assert old.last_error == "HTTP 500 Internal Server Error"
    assert unreachable.last_error == "Could not connect: [Errno 111] Connection refused"
