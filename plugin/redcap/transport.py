"""How each REDCap reply is judged, and how failed calls are retried and paced.

PyCap ignores HTTP status and reads any body it gets, so a 500, an HTML login page or a Latin-1
body would surface as a confusing parse error. A response hook judges the reply first: 5xx, 429
and HTML pages become ``RedcapTransportError`` (worth retrying), a body that is not UTF-8 is read
as Latin-1 with a warning kept for the caller, and everything else is left to PyCap, whose own
error detection then becomes ``RedcapApiError``. What the reply said is redacted before it goes
into a message: an error page may echo the token.

A failed call is retried with jittered exponential backoff; a ``Retry-After`` header (seconds or
an HTTP date) is honoured, and one asking for longer than the policy's longest wait ends the
retries at once, saying when to try again.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

import requests

from plugin.redcap.errors import RedcapTransportError, redact

T = TypeVar("T")
HTML_STARTS = (b"<!doctype html", b"<html")


@dataclass
class ReplyJudge:
    """The response hook; it also remembers what it saw of the last reply and any warnings."""

    secrets: tuple[str, ...] = ()
    last_status: int | None = None
    last_reply_date: str = ""  # the last reply's HTTP Date header: the server's clock, in UTC
    warnings: list[str] = field(default_factory=list)

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_status = response.status_code
        self.last_reply_date = response.headers.get("Date", "")
        status = response.status_code
        # Read the whole body first, whatever follows: a reply raised on unread keeps its
        # connection out of the pool, and the socket is left for the garbage collector.
        body = response.content
        if status == 429:
            raise RedcapTransportError(
                "REDCap is rate limiting this address",
                status=status,
                hint="qiscan waits and retries; lower the request rate if this persists",
                retry_after=_retry_after(response),
            )
        if status >= 500:
            raise RedcapTransportError(
                f"REDCap failed with a server error: {redact(_excerpt(response), self.secrets)}",
                status=status,
                hint="often an overloaded server or too large a request; smaller batches help",
            )
        head = body[:200].lstrip().lower()
        if head.startswith(HTML_STARTS):
            raise RedcapTransportError(
                "REDCap answered with an HTML page instead of data",
                status=status,
                hint="check that the URL ends in /api/ and that the token has API rights",
            )
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            response.encoding = "latin-1"
            self.warnings.append(
                f"REDCap's answer was not UTF-8 (byte {exc.start}); read as Latin-1"
            )
        else:
            response.encoding = "utf-8"


def _retry_after(response: requests.Response) -> float:
    """The wait a ``Retry-After`` header asks for, in seconds: it is either a number of seconds
    or an HTTP date (RFC 9110 section 10.2.3); 0 when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value or 0))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _excerpt(response: requests.Response) -> str:
    text = response.content[:160].decode("utf-8", errors="replace").strip()
    return text.replace("\n", " ") or "(empty body)"


@dataclass
class RetryPolicy:
    """Jittered exponential backoff: attempt k waits ``base * 2**k`` seconds (at most ``cap``),
    times 0.5 to 1.5, or longer when the server's ``Retry-After`` asks; a server asking for
    more than ``longest_wait`` is not waited for."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    longest_wait: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, at_least: float = 0.0) -> float:
        """The wait in seconds after failed attempt ``attempt`` (the first is 0): the jittered
        backoff, or ``at_least`` (the server's ``Retry-After``) when that is longer."""
        wait = min(self.cap, self.base * 2**attempt) * self.rng.uniform(0.5, 1.5)
        return max(wait, at_least)


class RateLimiter:
    """A token bucket shared by the threads of one client: at most ``rate`` calls a second on
    average, with bursts of ``burst``. REDCap bans an address that exceeds its per-minute
    threshold, so the client paces itself instead of finding the limit."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until a call may go out; return how long it waited."""
        with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            needed = (1 - self._tokens) / self.rate
            self._tokens = 0.0
            self._last = now + needed
        self.sleep(needed)
        return needed


class Pacer(Protocol):
    """What paces a client's calls: ``wait()`` blocks until a call may go out."""

    def wait(self) -> float: ...


class Unpaced:
    """No pacing, for a server that is the command's own (the embedded localcap): it bans no
    one, and pacing it would only make the command wait (the demo waited 5 s for nothing)."""

    def wait(self) -> float:
        """A call may always go out at once."""
        return 0.0


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[int, RedcapTransportError], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``, retrying transport failures (never REDCap's own refusals)."""
    for attempt in range(policy.attempts):
        try:
            return call()
        except RedcapTransportError as exc:
            failure = exc
        except requests.Timeout:
            failure = RedcapTransportError(
                "REDCap did not answer in time", hint="raise the timeout or use smaller batches"
            )
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            failure = RedcapTransportError(
                "the connection to REDCap failed or was dropped",
                hint="check the network and the REDCap URL",
            )
        except requests.exceptions.JSONDecodeError:
            failure = RedcapTransportError(
                "REDCap's answer was cut short or was not the JSON asked for",
                hint="usually a dropped connection or a proxy page",
            )
        if failure.retry_after > policy.longest_wait:
            raise RedcapTransportError(
                f"{failure.message}; REDCap asks to wait {failure.retry_after:.0f} s before "
                f"trying again, longer than {policy.longest_wait:.0f} s qiscan waits",
                status=failure.status,
                hint="try again after that wait",
            ) from failure
        if attempt + 1 == policy.attempts:
            tries = "attempt" if policy.attempts == 1 else "attempts"
            raise RedcapTransportError(
                f"{failure.message}; gave up after {policy.attempts} {tries}",
                status=failure.status,
                hint=failure.hint,
            ) from failure
        if on_retry is not None:
            on_retry(attempt + 1, failure)
        sleep(policy.delay(attempt, failure.retry_after))
    raise AssertionError("unreachable: the loop returns or raises")
