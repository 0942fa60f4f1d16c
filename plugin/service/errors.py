"""One JSON envelope for every failure: ``{"code", "status", "message", "errors"}``.

``code`` is a short name a program can switch on, ``message`` a sentence for people, and
``errors`` the field errors of a rejected body (marshmallow's nested dict: the location of each
problem). A body over the size limit is a 413 in the envelope too. Nothing in an envelope ever
holds a token. The web page's paths (``/web/``, where a person reads the answer) get the same
failure as a page instead (``plugin.service.web``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    502: "redcap_unreachable",
    503: "unavailable",
}


class ApiProblem(Exception):
    """An error the service answers with, in the envelope."""

    def __init__(
        self, status: int, message: str, errors: dict[str, Any] | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.code = code or CODES.get(status, "error")


def envelope(status: int, message: str, errors: Any = None, code: str = "") -> Response:
    """The failure answer: the JSON envelope, or an error page when a person's page asked
    (``/web/``)."""
    page = current_app.extensions.get("qiscan.error_page")
    if page is not None and page[0]():
        # A person's page (the web part) gets its error as a page, not as JSON.
        return current_app.make_response(page[1](status, message))
    body = {
        "code": code or CODES.get(status, "error"),
        "status": status,
        "message": message,
        "errors": errors or {},
    }
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Answer every failure in the envelope: an ApiProblem, a body over the size limit, any HTTP
    error (a rejected body's field errors in ``errors``), and an unexpected exception (logged, as
    a 500)."""

    @app.errorhandler(ApiProblem)
    def _problem(error: ApiProblem) -> Response:
        return envelope(error.status, error.message, error.errors, error.code)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> Response:
        # Raised before the body is read: by its declared length, or once a chunked body
        # passes the limit.
        limit = request.max_content_length
        most = f" (at most {limit:,} bytes)" if limit else ""
        return envelope(
            413, f"the request body is larger than this service accepts{most}: send a smaller body"
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if status == 422 and messages:
            # webargs puts the field errors under the location ("json", "query").
            flat = messages.get("json") or messages.get("query") or messages.get("form") or messages
            return envelope(422, "the request has invalid fields; see errors", flat)
        return envelope(status, error.description or error.name)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error")
        return envelope(500, "the service failed on this request; it has been logged")
