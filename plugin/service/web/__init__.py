"""The analysts' web page: server-rendered pages (Jinja2) over the API's storage and jobs.

Sign in with an API key at ``/web/sign-in``; the projects and their latest snapshots are at
``/web/``, where a pull starts and its page follows its progress; reports are made from a
snapshot and listed and downloaded at ``/web/reports``. ``/`` leads to the web page, and
``/api/docs`` documents the REST API from its OpenAPI document.

The pages send a strict Content-Security-Policy (scripts and styles from this site only) and
refuse to be framed, are never cached, and their errors are pages too, not the API's JSON
envelope. A signed-in session is kept by the service, so signing out ends it (``signin``).
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from plugin.service.web import docs, pages
from plugin.service.web.signin import CSRF_FIELD, EndingSessions, csrf_token, signed_in_key

PREFIXES = ("/web/", "/api/docs")
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def init_app(app: Flask) -> None:
    """Add the web page to the app: its sessions, its pages and the API's documentation, ``/``,
    error pages for its paths, and the security headers its answers carry."""
    app.session_interface = EndingSessions()
    app.register_blueprint(pages.blp)
    app.register_blueprint(docs.blp)
    app.add_url_rule("/", "front", front)
    app.jinja_env.filters["when"] = when
    app.extensions["qiscan.error_page"] = (wants_page, error_page)

    @app.context_processor
    def _page_context() -> dict[str, object]:
        if not request.path.startswith(PREFIXES):
            return {}
        return {"csrf_field": CSRF_FIELD, "csrf_token": csrf_token, "signed_in": signed_in_key}

    @app.after_request
    def _page_headers(response: Response) -> Response:
        if request.path.startswith(PREFIXES) or request.path == "/":
            response.headers.setdefault("Content-Security-Policy", POLICY)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            # frame-ancestors says it to browsers that read CSP; this, to those that do not.
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if not request.path.startswith("/web/static/"):
                response.headers.setdefault("Cache-Control", "no-store")
        return response


def front() -> BaseResponse:
    """``/`` leads to the web page."""
    return redirect(url_for("web.projects"))


def wants_page() -> bool:
    """Whether this request's failure is answered as a page: the web page's paths, except a job's
    state poll."""
    return request.path.startswith(PREFIXES) and not request.path.endswith("/state")


def error_page(status: int, message: str) -> tuple[str, int]:
    """A failure as the web page's error page, with its status."""
    return render_template("web/error.html", status=status, message=message), status


def when(value: datetime | str | None) -> str:
    """A time as people read it: ``2026-12-01 22:50 UTC``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return when(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    return value.strftime("%Y-%m-%d %H:%M UTC")
