"""API rate limits: a token or an anonymous address over its rate gets 429 with
``Retry-After``; others are unaffected; a flood leaves one line in the security log."""

import time
import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from steward.core import throttling
from steward.core.api_auth import token_create
from steward.core.choices import SecurityEventKind as Kind
from steward.core.models import SecurityEvent
from steward.core.tests.api import error_code, error_detail

CHEAP = "/api/v1/tokens/"  # the cheapest authenticated call


class Clock:
    """The throttles' clock, standing still 5 s into a minute until a test moves it."""

    def __init__(self) -> None:
        self.now = (time.time() // 60) * 60 + 5

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttling._FixedWindowThrottle, "timer", staticmethod(clock))
    return clock


@pytest.fixture
def rates(settings, clock):
    from django.core.cache import cache

    cache.clear()
    settings.STEWARD_API_RATES = {"user": "3/minute", "anon": "2/minute"}
    yield settings.STEWARD_API_RATES
    cache.clear()


def with_token(key: str, address: str = "192.0.2.10") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_over_its_rate_gets_429_and_other_tokens_go_on(rates, analyst, admin_person):
    _, key = token_create(actor=analyst, name="runaway script")
    _, second_key = token_create(actor=analyst, name="monitoring")
    _, other_key = token_create(actor=admin_person, name="admin tool")
    runaway = with_token(key)

    answers = [runaway.get(CHEAP) for _ in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[3]
    assert error_code(refused) == "throttled"
    assert "throttled" in error_detail(refused).lower()
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Counted per token: the same person's other token and another person's are untouched.
    assert with_token(second_key).get(CHEAP).status_code == 200
    assert with_token(other_key, address="192.0.2.11").get(CHEAP).status_code == 200


def test_the_rate_starts_again_in_the_next_window(rates, clock, analyst):
    _, key = token_create(actor=analyst, name="batch")
    client = with_token(key)

    assert [client.get(CHEAP).status_code for _ in range(4)] == [200, 200, 200, 429]
    clock.now += 50
    refused = client.get(CHEAP)
    clock.now += 5  # the next minute
    assert refused.status_code == 429 and refused["Retry-After"] == "5"
    assert client.get(CHEAP).status_code == 200


def test_an_anonymous_address_over_its_rate_gets_429(rates, db):
    flood = Client(REMOTE_ADDR="203.0.113.50")

    answers = [flood.get("/api/docs/") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) >= 1
    assert Client(REMOTE_ADDR="203.0.113.51").get("/api/docs/").status_code == 200


def test_refused_tokens_are_throttled_per_address_and_logged_once(rates, db):
    flood = APIClient(REMOTE_ADDR="203.0.113.60")
    flood.credentials(HTTP_AUTHORIZATION="Token stw_guessed-key")

    answers = [flood.get(CHEAP) for _ in range(6)]

    assert [a.status_code for a in answers] == [401, 401, 429, 429, 429, 429]
    assert error_code(answers[2]) == "throttled"
    assert int(answers[2]["Retry-After"]) >= 1
    assert SecurityEvent.objects.filter(kind=Kind.TOKEN_REJECTED).count() == 2
    throttled = SecurityEvent.objects.get(kind=Kind.THROTTLED)
    assert throttled.ip_address == "203.0.113.60"
    assert throttled.data["scope"] == "anon"


def test_unauthenticated_calls_to_protected_endpoints_count_too(rates, db):
    flood = APIClient(REMOTE_ADDR="203.0.113.61")

    answers = [flood.get("/api/v1/people/").status_code for _ in range(3)]

    assert answers[:2] in ([401, 401], [403, 403])
    assert answers[2] == 429


def test_throttling_is_logged_once_per_client_and_window(rates, analyst):
    _, key = token_create(actor=analyst, name="runaway")
    client = with_token(key)

    for _ in range(10):
        client.get(CHEAP)

    (event,) = SecurityEvent.objects.filter(kind=Kind.THROTTLED)
    assert event.actor == analyst
    assert event.path == CHEAP
    assert event.data == {"scope": "user", "rate": 3, "period_s": 60}


def test_a_person_signed_in_to_the_pages_is_counted_as_themselves(rates, analyst):
    client = APIClient()
    client.force_login(analyst)

    assert [client.get(CHEAP).status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.parametrize("off", ["0", ""])
def test_a_rate_of_zero_or_empty_means_no_limit(rates, analyst, off):
    rates["user"] = off
    _, key = token_create(actor=analyst, name="unlimited")

    assert {with_token(key).get(CHEAP).status_code for _ in range(20)} == {200}
    # The other rate still applies.
    anonymous = Client(REMOTE_ADDR="203.0.113.70")
    assert [anonymous.get("/api/docs/").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("600/minute", (600, 60)), ("5/s", (5, 1)), ("2/hour", (2, 3600)), ("", None), ("0", None)],
)
def test_rates_are_read_as_count_per_period(text, parsed):
    assert throttling.parse_rate(text) == parsed


@pytest.fixture
def redis_cache(settings):
    """The default cache on the machine's Redis, under a key prefix of this test's own."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"steward-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    client = redis.Redis.from_url(url)
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_with_redis_the_count_is_shared_by_every_process(redis_cache, rates, analyst):
    client_redis, prefix = redis_cache
    token, key = token_create(actor=analyst, name="shared")

    answers = [with_token(key).get(CHEAP).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    # The count is in Redis, where another node's process reads the same key.
    (counter,) = list(client_redis.scan_iter(f"{prefix}:*throttle:user:token{token.pk}:*"))
    assert int(client_redis.get(counter)) == 4


def test_an_unreachable_cache_lets_the_api_work_without_counting(settings, clock, analyst):
    # Nothing listens on port 9: Redis is "down". The API must keep answering.
    settings.STEWARD_API_RATES = {"user": "1/minute", "anon": "1/minute"}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    _, key = token_create(actor=analyst, name="during an outage")

    answers = [with_token(key).get(CHEAP).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
