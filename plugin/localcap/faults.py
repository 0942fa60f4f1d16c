"""Fault injection for localcap: the failures a real REDCap and the network between produce.

``install_faults(app)`` wraps a localcap app and returns the injector; tests (or a person
exploring the client) then switch faults on for the next requests, for one project (by token)
or one API content, and off again. Kinds:

* ``server_error``: a 5xx with a short body, as an overloaded REDCap gives;
* ``drop``: the connection is closed before any answer;
* ``slow``: the answer comes after ``delay`` seconds (clients with a shorter timeout give up);
* ``html``: status 200 with an HTML page, as a login or proxy page looks;
* ``latin1``: the real answer, re-encoded as Latin-1 though it claims UTF-8;
* ``rate_limit``: 429 with REDCap's ban text.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs

FaultKind = Literal["server_error", "drop", "slow", "html", "latin1", "rate_limit"]
FAULT_KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass
class Fault:
    kind: FaultKind
    times: int = 1  # how many matching requests it hits; then it is spent
    content: str | None = None  # only requests for this API content (e.g. "record")
    token: str | None = None  # only requests of this project
    skip: int = 0  # let this many matching requests through first
    delay: float = 2.0  # for "slow"
    status: int = 503  # for "server_error"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; choose from {', '.join(FAULT_KINDS)}")


class FaultInjector:
    def __init__(self, app: Wsgi) -> None:
        self.app = app
        self.faults: list[Fault] = []
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, kind: FaultKind, **options: Any) -> Fault:
        fault = Fault(kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.hits.clear()

    def _take(self, form: dict[str, list[str]]) -> Fault | None:
        content = form.get("content", [""])[0]
        token = form.get("token", [""])[0]
        with self._lock:
            for fault in self.faults:
                if fault.times <= 0:
                    continue
                if fault.content not in (None, content) or fault.token not in (None, token):
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
            extra = [("Retry-After", "0")]
            return _answer(start_response, "429 Too Many Requests", "text/plain", text, extra)
        if fault.kind == "html":
            page = b"<!DOCTYPE html><html><body><h1>REDCap</h1><p>Please log in.</p></body></html>"
            return _answer(start_response, "200 OK", "text/html; charset=utf-8", page)
        return self._latin1(environ, start_response)

    def _latin1(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            captured["status"], captured["headers"] = status, headers

        chunks = self.app(environ, keep)
        try:
            text = b"".join(chunks).decode("utf-8")
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        body = text.encode("latin-1", errors="replace")
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(captured["status"], headers)
        return [body]


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


def install_faults(app: Any) -> FaultInjector:
    """Wrap a Flask app's WSGI callable with an injector and return the injector."""
    injector = FaultInjector(app.wsgi_app)
    app.wsgi_app = injector
    return injector
