"""Run localcap over HTTP: in a background thread (tests, the demo) or in the foreground (CLI).

The server keeps track of its open connections so that shutting it down also closes keep-alive
connections a client (PyCap's shared session) still holds, and every handler thread ends before
``shutdown()`` returns: nothing is left running or unclosed.

A body is refused (413) by its declared length before it is read, and a chunked one once it
passes the limit (:func:`whole_body`); werkzeug's server then reads and drops what the client
still sends, so that the client reads the answer instead of a reset connection.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import flask
from flask import Flask
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler


def whole_body() -> bytes:
    """The request's body, refused (413) when it is longer than ``request.max_content_length``.

    A body with a Content-Length over the limit is refused before it is read (werkzeug checks
    the header). A chunked one has no length to check, and werkzeug's stream stops at the limit
    without a word, so a body cut short would be read as the whole: past the limit, one more
    byte on the wire is what tells the two apart.
    """
    current = flask.request
    data = current.get_data(cache=True)
    limit = current.max_content_length
    chunked = current.content_length is None and "wsgi.input_terminated" in current.environ
    if chunked and limit is not None and len(data) >= limit:
        if current.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge()
    return data


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class _AccessLogHandler(WSGIRequestHandler):
    """Logs method, path and status only: a query string could carry a token."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = urlsplit(self.path).path
        self.log("info", '"%s %s" %s %s', self.command, path, code, size)


class LocalcapServer(ThreadedWSGIServer):
    """Werkzeug's threaded server, remembering its connections and handler threads."""

    def __init__(self, host: str, port: int, app: Flask, quiet: bool = True) -> None:
        handler = _QuietHandler if quiet else _AccessLogHandler
        super().__init__(host, port, app, handler=handler)
        self._lock = threading.Lock()
        self._connections: set[Any] = set()
        self._workers: set[threading.Thread] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Handle the request in its own daemon thread, remembering the connection and the thread
        until it ends."""
        worker = threading.Thread(
            target=self._handle,
            args=(request, client_address),
            name="localcap-request",
            daemon=True,
        )
        with self._lock:
            self._connections.add(request)
            self._workers.add(worker)
        worker.start()

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._connections.discard(request)
                self._workers.discard(threading.current_thread())

    def close_connections(self, timeout: float = 5.0) -> None:
        """Close every open connection and wait for the handler threads to finish."""
        with self._lock:
            connections = list(self._connections)
            workers = list(self._workers)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for worker in workers:
            worker.join(timeout)


@dataclass
class RunningServer:
    """A localcap server running in a daemon thread."""

    server: LocalcapServer
    thread: threading.Thread
    app: Flask

    @property
    def host(self) -> str:
        return str(self.server.server_address[0])

    @property
    def port(self) -> int:
        """The port it listens on (the free one picked when asked for 0)."""
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        """What REDCap calls its own address: the configured one, else where it listens."""
        configured = self.app.config.get("LOCALCAP_BASE_URL")
        return configured or f"http://{self.host}:{self.port}/"

    @property
    def url(self) -> str:
        """The API address clients use; PyCap insists that it ends in ``/api/``."""
        return f"http://{self.host}:{self.port}/api/"

    def shutdown(self) -> None:
        """Stop serving, close every open connection, and return once every thread has ended."""
        self.server.shutdown()
        self.server.close_connections()
        self.server.server_close()
        self.thread.join()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def serve_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start ``app`` on ``host``:``port`` (0 picks a free port) in a daemon thread."""
    server = LocalcapServer(host, port, app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="localcap", daemon=True
    )
    thread.start()
    return RunningServer(server, thread, app)


def serve_forever(
    app: Flask, host: str, port: int, announce: Callable[[str], None] | None = None
) -> None:
    """Serve in the foreground until interrupted, logging each request to stderr.

    ``announce`` is told the API address once the port is bound (port 0 picks a free one).
    """
    server = LocalcapServer(host, port, app, quiet=False)
    if announce is not None:
        address, bound = str(server.server_address[0]), int(server.server_address[1])
        announce(f"http://{address}:{bound}/api/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close_connections()
        server.server_close()
