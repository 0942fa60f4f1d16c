"""A running localcap's administrator, over HTTP: what REDCap's super user and a project's
designer do. A project is created through the API with the super token, as in REDCap; the
settings REDCap's API cannot change (surveys and their settings, the survey language and
translations, missing-data codes, the Data Entry Trigger) go to localcap's project setup
(:mod:`plugin.localcap.project_setup`).

It fails as the REDCap client does: ``RedcapApiError`` when localcap said no,
``RedcapTransportError`` when no usable answer came (retried first). No message holds a token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urljoin

import requests

from plugin.redcap.errors import RedcapApiError, RedcapTransportError, redact
from plugin.redcap.transport import RetryPolicy, with_retries

# Where localcap's project setup answers; defined here, the light side, so that this client does
# not import the server that serves it (project_setup imports it from here).
PATH = "/localcap/project-setup/"
ITEM = (
    '<?xml version="1.0" encoding="UTF-8" ?><item><project_title>{title}</project_title>'
    "<purpose>0</purpose><is_longitudinal>{longitudinal}</is_longitudinal></item>"
)


class LocalcapAdmin:
    """localcap at the API address ``url`` (``.../api/``), acting with its ``super_token``."""

    def __init__(
        self,
        url: str,
        super_token: str,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url = url
        self._super_token = super_token
        self.timeout = timeout
        self.retry = retry or RetryPolicy(attempts=3, base=0.2)

    def __repr__(self) -> str:
        return f"LocalcapAdmin(url={self.url!r})"

    def create_project(self, title: str, *, longitudinal: bool = False) -> str:
        """A new empty project's token: REDCap's Create Project, which needs the super token."""
        answer = self._post(
            self.url,
            {
                "content": "project",
                "format": "xml",
                "returnFormat": "json",
                "data": ITEM.format(title=title, longitudinal=int(longitudinal)),
            },
        )
        return answer.strip()[-32:]

    def set_missing_data_codes(self, project_token: str, codes: str) -> None:
        """The project's missing-data codes, as REDCap's Project Setup writes them
        (``"NA, Not applicable | UNK, Unknown"``; "" for none)."""
        self._set("missing_data_codes", project_token, codes=codes)

    def enable_surveys(
        self,
        project_token: str,
        surveys: Mapping[str, str],
        *,
        save_and_return: bool = True,
        queue: bool = False,
    ) -> None:
        """Enable the forms ``surveys`` (form -> title) as surveys, as the Online Designer does;
        a form not in the project yet becomes a survey when a dictionary brings it."""
        self._set(
            "surveys",
            project_token,
            surveys=json.dumps(dict(surveys)),
            save_and_return=str(int(save_and_return)),
            queue=str(int(queue)),
        )

    def set_survey_settings(
        self,
        project_token: str,
        form: str,
        *,
        title: str = "",
        instructions: str = "",
        acknowledgement: str = "",
        expiration: str = "",
    ) -> None:
        """What a survey's respondents read besides the questions, and when it closes
        (``"YYYY-MM-DD HH:MM"``, "" for never): the Online Designer's Survey Settings."""
        self._set(
            "survey_settings",
            project_token,
            form=form,
            title=title,
            instructions=instructions,
            acknowledgement=acknowledgement,
            expiration=expiration,
        )

    def set_survey_language(self, project_token: str, code: str, name: str) -> None:
        """The language of the project's own dictionary, offered first on its survey pages."""
        self._set("survey_language", project_token, code=code, name=name)

    def set_translation(self, project_token: str, language: str, content: str) -> None:
        """Keep the translation file ``content`` (JSON) for ``language``; "" drops it."""
        self._set("translation", project_token, language=language, content=content)

    def set_data_entry_trigger(self, project_token: str, url: str) -> None:
        """The project's Data Entry Trigger URL ("" clears it)."""
        self._set("data_entry_trigger", project_token, url=url)

    def _set(self, setting: str, project_token: str, **fields: str) -> None:
        address = urljoin(self.url, "../" + PATH.lstrip("/") + setting)
        self._post(address, {**fields, "project_token": project_token}, project_token)

    def _post(self, address: str, fields: Mapping[str, str], *secrets: str) -> str:
        data = {**fields, "token": self._super_token}
        hidden = (self._super_token, *secrets)

        def attempt() -> str:
            response = requests.post(address, data=data, timeout=self.timeout)
            if response.status_code >= 500:
                raise RedcapTransportError(
                    f"localcap failed: {redact(_message(response), hidden)}",
                    status=response.status_code,
                )
            if response.status_code != 200:
                raise RedcapApiError(
                    f"localcap refused the request: {redact(_message(response), hidden)}",
                    status=response.status_code,
                )
            return response.text

        return with_retries(attempt, self.retry)


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:160].strip() or "(empty body)"
    return str(body.get("error", body)) if isinstance(body, dict) else str(body)
