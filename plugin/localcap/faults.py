"""Fault injection for localcap: the failures a real REDCap and the network between produce.

``install_faults(app)`` wraps a localcap app and returns the injector; tests (or a person
exploring the client) then switch faults on for the next requests, for one project (by token)
or one API content (or requests carrying one parameter), and off again. Kinds:

* ``server_error``: a 5xx with a short body, as an overloaded REDCap gives;
* ``drop``: the connection is closed before any answer;
* ``slow``: the answer comes after ``delay`` seconds (clients with a shorter timeout give up);
* ``html``: status 200 with an HTML page, as a login or proxy page looks;
* ``latin1``: the real answer, re-encoded as Latin-1 though it claims UTF-8;
* ``rate_limit``: 429 with REDCap's ban text and a ``Retry-After`` header (``retry_after``);
* ``api_error``: REDCap's JSON refusal (400, or ``status`` when below 500), which the client
  takes for REDCap saying no and does not retry;
* ``echo_token``: an error page that echoes the request's token lower-cased, as some REDCap error
  pages do: a JSON refusal for a ``status`` below 500, a plain-text server error otherwise.

The next kinds answer a JSON record export (``content=record``) with a valid 200 answer that is
wrong, so only a client that checks what it got back notices; other requests pass them by:

* ``missing_records``: every row of ``count`` records (chosen at random) left out;
* ``empty``: a valid empty list ``[]``;
* ``duplicate_records``: every row of ``count`` records sent twice;
* ``extra_records``: the rows of ``count`` records sent again under a record id not asked for.

The random choices come from the injector's seeded generator, so a run can be repeated.
"""

from __future__ import annotations

import io
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import parse_qs

FaultKind = Literal[
    "server_error",
    "drop",
    "slow",
    "html",
    "latin1",
    "rate_limit",
    "api_error",
    "echo_token",
    "missing_records",
    "empty",
    "duplicate_records",
    "extra_records",
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
# Kinds that rewrite a record export's JSON answer; they wait for such a request.
RECORD_KINDS = ("missing_records", "empty", "duplicate_records", "extra_records")

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass
class Fault:
    """One fault switched on: which requests it hits (``content``, ``token``, ``asking``, after
    ``skip``) and how many times. An unknown ``kind`` raises ValueError."""

    kind: FaultKind
    times: int = 1  # how many matching requests it hits; then it is spent
    content: str | None = None  # only requests for this API content (e.g. "record")
    token: str | None = None  # only requests of this project
    skip: int = 0  # let this many matching requests through first
    asking: str | None = None  # only requests carrying this parameter (e.g. "records[0]")
    delay: float = 2.0  # for "slow"
    status: int = 503  # for "server_error" and "echo_token"
    retry_after: str = "0"  # the Retry-After header of "rate_limit": seconds or an HTTP date
    count: int = 1  # how many records "missing_records", "duplicate_records", "extra_records" hit

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; choose from {', '.join(FAULT_KINDS)}")


class FaultInjector:
    """WSGI middleware around a localcap app: each request takes the first matching fault still due,
    else passes through. ``hits`` counts the faults given, per kind."""

    def __init__(self, app: Wsgi, *, seed: int | None = None) -> None:
        self.app = app
        self.faults: list[Fault] = []
        self.hits: dict[str, int] = {}
        self.rng = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, kind: FaultKind, **options: Any) -> Fault:
        """Switch on a fault of ``kind`` (options as :class:`Fault` takes them) for the next
        matching requests."""
        fault = Fault(kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Switch every fault off and forget the counts in ``hits``."""
        with self._lock:
            self.faults.clear()
            self.hits.clear()

    def _take(self, form: dict[str, list[str]]) -> Fault | None:
        content = form.get("content", [""])[0]
        token = form.get("token", [""])[0]
        record_export = (
            content == "record"
            and form.get("action", ["export"])[0] == "export"
            and form.get("format", [""])[0] == "json"
        )
        with self._lock:
            for fault in self.faults:
                if fault.times <= 0:
                    continue
                if fault.content not in (None, content) or fault.token not in (None, token):
                    continue
                if fault.kind in RECORD_KINDS and not record_export:
                    continue
                if fault.asking is not None and fault.asking not in form:
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                self.hits[fault.kind] = self.hits.get(fault.kind, 0) + 1
                return fault
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        form = parse_qs(body.decode("utf-8", errors="replace"))
        fault = self._take(form)
        if fault is None:
            return self.app(environ, start_response)
        if fault.kind == "echo_token":
            return _echo_token(fault, form.get("token", [""])[0], start_response)
        if fault.kind in RECORD_KINDS:
            return self._rewrite(fault, environ, start_response)
        return self._inject(fault, environ, start_response)

    def _inject(
        self, fault: Fault, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return self.app(environ, start_response)
        if fault.kind == "drop":
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                # The server's write then fails with a broken pipe, which werkzeug treats as a
                # dropped connection; the client sees the connection close with no answer.
                connection.shutdown(socket.SHUT_RDWR)
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return []
        if fault.kind == "server_error":
            text = b"Service Unavailable: REDCap is temporarily overloaded."
            return _answer(start_response, f"{fault.status} Server Error", "text/plain", text)
        if fault.kind == "rate_limit":
            address = environ.get("REMOTE_ADDR", "127.0.0.1")
            text = f"Your IP address ({address}) has been banned due to suspected abuse.".encode()
            extra = [("Retry-After", fault.retry_after)]
            return _answer(start_response, "429 Too Many Requests", "text/plain", text, extra)
        if fault.kind == "api_error":
            status = fault.status if fault.status < 500 else 400
            body = json.dumps({"error": "The request could not be completed (injected fault)"})
            return _answer(
                start_response, f"{status} Bad Request", "application/json", body.encode()
            )
        if fault.kind == "html":
            page = b"<!DOCTYPE html><html><body><h1>REDCap</h1><p>Please log in.</p></body></html>"
            return _answer(start_response, "200 OK", "text/html; charset=utf-8", page)
        return self._latin1(environ, start_response)

    def _latin1(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, headers, body = self._real_answer(environ)
        text = body.decode("utf-8").encode("latin-1", errors="replace")
        return _resend(start_response, status, headers, text)

    def _rewrite(
        self, fault: Fault, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        status, headers, body = self._real_answer(environ)
        if not status.startswith("200"):
            return _resend(start_response, status, headers, body)
        rows: list[dict[str, Any]] = json.loads(body)
        with self._lock:
            rows = self._wrong(fault, rows)
        return _resend(start_response, status, headers, json.dumps(rows).encode("utf-8"))

    def _wrong(self, fault: Fault, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows as the fault gets them wrong; record ids are the first column, as REDCap
        exports them."""
        if fault.kind == "empty" or not rows:
            return []
        id_field = next(iter(rows[0]))
        records = list(dict.fromkeys(str(row[id_field]) for row in rows))
        hit = set(self.rng.sample(records, min(fault.count, len(records))))
        if fault.kind == "missing_records":
            return [row for row in rows if str(row[id_field]) not in hit]
        chosen = [row for row in rows if str(row[id_field]) in hit]
        if fault.kind == "duplicate_records":
            return rows + chosen
        extra = [{**row, id_field: f"{row[id_field]}-not-asked"} for row in chosen]
        return rows + extra

    def _real_answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            captured["status"], captured["headers"] = status, headers

        chunks = self.app(environ, keep)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return captured["status"], captured["headers"], body


def _resend(
    start_response: StartResponse, status: str, headers: list[tuple[str, str]], body: bytes
) -> Iterable[bytes]:
    kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
    kept.append(("Content-Length", str(len(body))))
    start_response(status, kept)
    return [body]


def _echo_token(fault: Fault, token: str, start_response: StartResponse) -> Iterable[bytes]:
    echoed = token.lower()
    if fault.status >= 500:
        text = f"Fatal error: cannot open project for token {echoed} (database busy)".encode()
        return _answer(start_response, f"{fault.status} Server Error", "text/plain", text)
    body = json.dumps({"error": f"The token {echoed} is not valid for this request"}).encode()
    return _answer(start_response, f"{fault.status} Bad Request", "application/json", body)


def _answer(
    start_response: StartResponse,
    status: str,
    content_type: str,
    body: bytes,
    extra: list[tuple[str, str]] | None = None,
) -> Iterable[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *(extra or [])]
    start_response(status, headers)
    return [body]


def install_faults(app: Any, *, seed: int | None = None) -> FaultInjector:
    """Wrap a Flask app's WSGI callable with an injector and return the injector."""
    injector = FaultInjector(app.wsgi_app, seed=seed)
    app.wsgi_app = injector
    return injector
