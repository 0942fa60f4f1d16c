"""The Data Entry Trigger: after a survey page is saved, POST what was saved to the project's
configured URL (redcap-api.md §6).

REDCap fires it on every form save and survey page submit in its web pages, never for API or
Data Import Tool imports; localcap has no data entry pages, so its survey pages are the only
place it fires. The parameters go in REDCap's order; the answer's body is ignored, and a
receiver that fails or does not answer within 15 seconds is logged, never raised: the
respondent's save has already happened.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests

from plugin.localcap.project import Project
from plugin.localcap.project_info import VERSION
from plugin.localcap.surveys import Place

TIMEOUT = 15.0
SURVEY_USERNAME = "[survey respondent]"
log = logging.getLogger("localcap.trigger")


def trigger_url(project: Project, base_url: str) -> str:
    """The configured URL, a server-relative one made absolute; "" when none is set."""
    url = project.settings.get("data_entry_trigger_url", "").strip()
    if url.startswith("/"):
        return base_url.rstrip("/") + url
    return url


def trigger_payload(
    project: Project, base_url: str, place: Place, status: str, dag: str = ""
) -> list[tuple[str, str]]:
    """The trigger's form fields, in REDCap's order."""
    base = base_url.rstrip("/")
    fields = [
        ("redcap_url", base + "/"),
        ("project_url", f"{base}/redcap_v{VERSION}/index.php?pid={project.project_id}"),
        ("project_id", str(project.project_id)),
        ("username", SURVEY_USERNAME),
        ("record", place.record),
    ]
    if project.longitudinal:
        fields.append(("redcap_event_name", project.event_by_id[place.event_id].unique_name))
    if dag:
        fields.append(("redcap_data_access_group", dag))
    fields += [("instrument", place.form), (f"{place.form}_complete", status)]
    if project.repeats_form(place.event_id, place.form):
        fields.append(("redcap_repeat_instrument", place.form))
    if project.repeats_form(place.event_id, place.form) or project.repeats_event(place.event_id):
        fields.append(("redcap_repeat_instance", str(place.instance)))
    return fields


def fire(url: str, payload: list[tuple[str, str]]) -> bool:
    """POST the trigger; whether the receiver answered with a success status."""
    # The URL's path may hold the receiver's secret (qiscan's /trigger/<id>/<secret>): log the
    # host only.
    where = urlsplit(url).netloc or "the configured URL"
    try:
        response = requests.post(url, data=payload, timeout=TIMEOUT)
    except requests.RequestException as exc:
        log.warning("data entry trigger to %s failed: %s", where, type(exc).__name__)
        return False
    if not response.ok:
        log.warning("data entry trigger to %s answered HTTP %s", where, response.status_code)
    return response.ok
