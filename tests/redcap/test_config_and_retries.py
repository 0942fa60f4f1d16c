"""The client's rules that need no server: where the token comes from and that it never shows,
which failures are retried and how long the client waits."""

from __future__ import annotations

import random

import pytest

from plugin.redcap import ConfigError, RedcapApiError, RedcapConfig, RedcapTransportError
from plugin.redcap.config import config_from_env
from plugin.redcap.errors import redact
from plugin.redcap.transport import RateLimiter, RetryPolicy, with_retries

TOKEN = "0123456789ABCDEF0123456789ABCDEF"
URL = "https://redcap.example.org/api/"


def test_token_file_with_a_trailing_newline_is_read(tmp_path):
    secret = tmp_path / "token"
    secret.write_text(TOKEN + "\n")
    config = config_from_env({"QISCAN_REDCAP_URL": URL, "QISCAN_REDCAP_TOKEN_FILE": str(secret)})
    assert config == RedcapConfig(URL, TOKEN)


def test_no_url_means_no_redcap():
    assert config_from_env({}) is None


def test_the_token_never_appears_in_a_repr_or_an_error():
    config = RedcapConfig(URL, TOKEN)
    assert TOKEN not in repr(config) and "[redacted]" in repr(config)
    with pytest.raises(ConfigError, match=r"32 letters or digits; the one given has 33") as caught:
        RedcapConfig(URL, TOKEN + "x")
    assert TOKEN not in str(caught.value)


def test_url_must_be_the_api_endpoint():
    with pytest.raises(ConfigError, match=r"must end in /api/"):
        RedcapConfig("https://redcap.example.org/", TOKEN)


def test_missing_token_is_named_but_not_invented():
    with pytest.raises(ConfigError, match=r"neither QISCAN_REDCAP_TOKEN nor"):
        config_from_env({"QISCAN_REDCAP_URL": URL})


def test_redact_replaces_every_secret():
    assert (
        redact(f"bad token {TOKEN} again {TOKEN}", (TOKEN,))
        == "bad token [redacted] again [redacted]"
    )


def test_redact_ignores_case_and_hides_any_run_of_32_hex_digits():
    other = "feedfacecafebeef" * 2  # not our token, but shaped like one: never worth showing
    text = f"token {TOKEN.lower()} and {other} and {TOKEN}; hash-like {'ab' * 40}"
    redacted = redact(text, (TOKEN,))
    assert redacted == "token [redacted] and [redacted] and [redacted]; hash-like [redacted]"
    assert redact("record 12 of 1234567890", (TOKEN,)) == "record 12 of 1234567890"


def test_a_retry_after_longer_than_the_longest_wait_gives_up_at_once():
    calls: list[int] = []
    waits: list[float] = []

    def banned():
        calls.append(1)
        raise RedcapTransportError("rate limited", status=429, retry_after=3600.0)

    policy = RetryPolicy(attempts=5, longest_wait=300.0)
    with pytest.raises(RedcapTransportError, match=r"asks to wait 3600 s.*longer than 300 s"):
        with_retries(banned, policy, sleep=waits.append)
    assert (len(calls), waits) == (1, [])


def test_a_retry_after_within_the_longest_wait_is_waited_for():
    waits: list[float] = []
    calls: list[int] = []

    def once():
        calls.append(1)
        if len(calls) == 1:
            raise RedcapTransportError("rate limited", status=429, retry_after=12.0)
        return "ok"

    assert with_retries(once, RetryPolicy(base=0.01), sleep=waits.append) == "ok"
    assert waits == [12.0]


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    policy = RetryPolicy(base=1.0, cap=8.0, rng=random.Random(3))
    delays = [policy.delay(k) for k in range(6)]
    for k, delay in enumerate(delays):
        nominal = min(8.0, 2**k)
        assert 0.5 * nominal <= delay <= 1.5 * nominal
    assert policy.delay(0, at_least=5.0) == 5.0


def test_transport_failures_are_retried_until_they_pass():
    calls = []
    waits: list[float] = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RedcapTransportError("server error", status=503)
        return "ok"

    result = with_retries(flaky, RetryPolicy(attempts=5, base=0.01), sleep=waits.append)
    assert result == "ok" and len(calls) == 3 and len(waits) == 2


def test_refusals_are_never_retried():
    calls = []

    def refused():
        calls.append(1)
        raise RedcapApiError("no such field", status=400)

    with pytest.raises(RedcapApiError, match="no such field"):
        with_retries(refused, RetryPolicy(attempts=5), sleep=lambda _: None)
    assert len(calls) == 1


def test_giving_up_says_how_often_it_tried():
    def always():
        raise RedcapTransportError("server error", status=502)

    with pytest.raises(RedcapTransportError, match=r"gave up after 3 attempts") as caught:
        with_retries(always, RetryPolicy(attempts=3), sleep=lambda _: None)
    assert caught.value.status == 502


def test_rate_limiter_spaces_calls_after_the_burst():
    now = [0.0]
    slept: list[float] = []
    limiter = RateLimiter(rate=2.0, burst=2, clock=lambda: now[0], sleep=slept.append)
    assert [limiter.wait(), limiter.wait()] == [0.0, 0.0]
    assert limiter.wait() == pytest.approx(0.5)
    assert limiter.wait() == pytest.approx(1.0)
    assert slept == pytest.approx([0.5, 1.0])
    now[0] = 10.0
    assert limiter.wait() == 0.0
