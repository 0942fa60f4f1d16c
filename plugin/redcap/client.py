"""The REDCap client: PyCap underneath, with the bounds PyCap leaves out.

Every call has a timeout, goes through the rate limiter, is retried with jittered backoff when
the transport fails, and fails with one of two exceptions (``RedcapApiError`` when REDCap said no,
``RedcapTransportError`` when no usable answer came). The token never appears in a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import redcap
import requests

from plugin.redcap.config import RedcapConfig
from plugin.redcap.errors import RedcapApiError, RedcapTransportError, redact
from plugin.redcap.transport import Pacer, RateLimiter, ReplyJudge, RetryPolicy, with_retries

HINTS = {
    403: "check the token and that its user has API export/import rights on this project",
    400: "REDCap rejected the request as sent; the message says which part",
}
PASSED_THROUGH = (
    RedcapTransportError,
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.JSONDecodeError,
)


class RedcapClient:
    """One REDCap project, reached through its API token."""

    def __init__(
        self,
        config: RedcapConfig,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        limiter: Pacer | None = None,
        on_retry: Callable[[int, RedcapTransportError], None] | None = None,
        identity: str | None = None,
    ) -> None:
        self.config = config
        # What names the server in stored snapshots: its URL, unless that changes from run to
        # run (the embedded localcap listens on a new port each time).
        self.identity = identity or config.url
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.limiter: Pacer = limiter or RateLimiter(rate=10.0, burst=10)
        self.on_retry = on_retry
        self.judge = ReplyJudge(secrets=(config.token,))
        self._project: redcap.Project | None = None

    def __repr__(self) -> str:
        return f"RedcapClient(url={self.config.url!r})"

    @property
    def project(self) -> redcap.Project:
        """PyCap's ``Project`` for the token, made on first use (and again after
        :meth:`forget_design`), every reply judged by ``judge``."""
        if self._project is None:
            self._project = redcap.Project(
                self.config.url,
                self.config.token,
                timeout=self.timeout,
                hooks={"response": [self.judge]},
            )
        return self._project

    def forget_design(self) -> None:
        """Drop what PyCap cached about the project's design (metadata, forms, field names).

        PyCap reads the dictionary once and reuses it, e.g. to fill in ``fields`` on every
        record export; after a metadata import that cache names fields that no longer exist.
        """
        self._project = None

    @property
    def warnings(self) -> list[str]:
        """Things worth telling a person that did not stop the calls (e.g. a Latin-1 answer)."""
        return self.judge.warnings

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run one PyCap ``Project`` method under the client's bounds."""
        target = getattr(self.project, method)

        def attempt() -> Any:
            self.limiter.wait()
            try:
                return target(*args, **kwargs)
            except PASSED_THROUGH:
                raise
            except requests.RequestException as exc:  # PyCap's RedcapError: REDCap said no
                raise self._refusal(exc.args[0] if exc.args else str(exc)) from None

        return with_retries(attempt, self.retry, on_retry=self.on_retry)

    def post(self, fields: Mapping[str, str]) -> str:
        """One API call PyCap does not wrap (``fields`` besides the token), under the same
        bounds as :meth:`call`; the answer's text. Errors are asked for in JSON."""
        data = {**fields, "token": self.config.token, "returnFormat": "json"}

        def attempt() -> str:
            self.limiter.wait()
            response = requests.post(
                self.config.url, data=data, timeout=self.timeout, hooks={"response": [self.judge]}
            )
            error = _error_in(response.text)
            if error is not None or response.status_code >= 400:
                raise self._refusal(response.text if error is None else error)
            return response.text

        return with_retries(attempt, self.retry, on_retry=self.on_retry)

    def _refusal(self, body: object) -> RedcapApiError:
        """REDCap's answer ``body`` (its decoded JSON error, or text) as a redacted refusal."""
        if isinstance(body, dict):
            body = body.get("error", body)
        message = redact(str(body).strip(), (self.config.token,))
        status = self.judge.last_status
        return RedcapApiError(
            f"REDCap refused the request: {message}", status=status, hint=HINTS.get(status or 0, "")
        )

    # -- the calls qiscan makes ----------------------------------------------------------------

    def version(self) -> str:
        """The REDCap version the server reports, e.g. ``"15.7.6"``."""
        return str(self.call("export_version"))

    def project_info(self) -> dict[str, Any]:
        """REDCap's project information: title, status and settings such as ``is_longitudinal`` and
        ``missing_data_codes``."""
        return dict(self.call("export_project_info"))

    def metadata(self) -> list[dict[str, str]]:
        """The data dictionary as REDCap exports it, one row per field, without the
        ``<form>_complete`` fields."""
        return list(self.call("export_metadata"))

    def field_names(self) -> list[dict[str, str]]:
        """The export field names: one row per export column (a checkbox one per option) with the
        field and choice code it comes from."""
        return list(self.call("export_field_names"))

    def is_longitudinal(self) -> bool:
        """Whether the project has events: REDCap refuses a classic project's mapping export, and
        PyCap reads it the same way."""
        try:
            self.call("export_instrument_event_mappings")
        except RedcapApiError:
            return False  # REDCap answers classic projects with an error, as PyCap relies on
        return True

    def structure(self) -> dict[str, list[dict[str, Any]]]:
        """Arms, events, mappings and repeating settings; empty lists where the project has none."""
        out: dict[str, list[dict[str, Any]]] = {}
        if self.is_longitudinal():
            out["arms"] = list(self.call("export_arms"))
            out["events"] = list(self.call("export_events"))
            out["mappings"] = list(self.call("export_instrument_event_mappings"))
        else:
            out["arms"], out["events"], out["mappings"] = [], [], []
        try:
            out["repeating"] = list(self.call("export_repeating_instruments_events"))
        except RedcapApiError:
            out["repeating"] = []  # REDCap answers "no repeating instruments" with an error
        return out

    def import_project_settings(self, settings: Mapping[str, str | int]) -> int:
        """Change project attributes (e.g. ``is_longitudinal``); REDCap's count of accepted ones.
        REDCap's Import Project Information, which PyCap does not wrap."""
        answer = self.post(
            {"content": "project_settings", "format": "json", "data": json.dumps(dict(settings))}
        )
        return int(answer.strip() or 0)

    def export_records(self, **kwargs: Any) -> list[dict[str, Any]]:
        """Records as REDCap exports them: JSON rows of raw values unless ``kwargs`` (PyCap's
        ``export_records`` arguments) say otherwise."""
        kwargs.setdefault("format_type", "json")
        kwargs.setdefault("raw_or_label", "raw")
        return list(self.call("export_records", **kwargs))

    def import_records(self, rows: list[dict[str, Any]], **kwargs: Any) -> Any:
        """Import ``rows`` (PyCap's ``import_records`` arguments in ``kwargs``); REDCap's answer, by
        default ``{"count": n}``."""
        return self.call("import_records", rows, **kwargs)

    def import_in_batches(
        self, rows: list[dict[str, Any]], record_id: str, *, batch_size: int = 500
    ) -> int:
        """Import rows in batches of whole records (every row of a record in the same batch, so
        a retried batch re-sends complete records); the number of records REDCap wrote."""
        by_record: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_record.setdefault(str(row[record_id]), []).append(row)
        records = list(by_record)
        written = 0
        for start in range(0, len(records), batch_size):
            batch = [row for rec in records[start : start + batch_size] for row in by_record[rec]]
            written += int(self.import_records(batch)["count"])
        return written

    def delete_records(self, records: list[str], **kwargs: Any) -> Any:
        """Delete ``records`` (PyCap's ``delete_records`` arguments in ``kwargs``); REDCap's answer,
        the number of records deleted."""
        return self.call("delete_records", records, **kwargs)

    def logging(self, **kwargs: Any) -> list[dict[str, Any]]:
        """REDCap's log entries, newest first, filtered by PyCap's ``export_logging`` arguments in
        ``kwargs``."""
        return list(self.call("export_logging", **kwargs))


def _error_in(text: str) -> str | None:
    """The message of a JSON error body (``{"error": ...}``), or None for any other answer."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return str(body["error"]) if isinstance(body, dict) and "error" in body else None
