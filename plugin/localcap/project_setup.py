"""localcap's own extension: the project settings REDCap's API cannot change.

In REDCap a designer or administrator sets these in the web interface (Project Setup, the
Online Designer, Multi-Language Management); localcap takes them at
``POST /localcap/project-setup/<setting>``, outside REDCap's ``/api/``, so that a client (the
embedded default, through :mod:`plugin.localcap.admin`) sets them over HTTP like any other call,
never by writing localcap's database.

A call is form-encoded like an API call: ``token`` is localcap's super token (a project token is
not enough), ``project_token`` names the project, and the setting's own fields follow. The answer
is JSON: ``{"setting": ..., "project_id": ...}``, or REDCap's error shape ``{"error": ...}`` with
403 for a token that may not, 400 for a request to fix and 404 for an unknown setting. No
answer names a token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, request

from plugin.localcap import answers
from plugin.localcap.admin import PATH
from plugin.localcap.errors import INTERNAL_ERROR, NO_PERMISSION, ApiError
from plugin.localcap.params import Params
from plugin.localcap.server import whole_body
from plugin.localcap.storage import (
    enable_surveys,
    open_database,
    set_data_entry_trigger,
    set_missing_data_codes,
    set_survey_language,
    set_survey_settings,
    set_translation,
)

NOT_A_PROJECT = "The parameter 'project_token' does not name a project of this localcap."
MISSING = "The parameter '{name}' is missing: the setting '{setting}' needs it."
NOT_POST = "The localcap project setup takes POST requests only."
UNKNOWN = "There is no localcap setting '{setting}'; the settings are: {known}."
BAD_SURVEYS = (
    "The parameter 'surveys' must be a JSON object of form names and survey titles, "
    'as in {"consent": "Consent"}.'
)
BAD_TRANSLATION = "The parameter 'content' must be a translation file: a JSON object."
BAD_URL = "The parameter 'url' must be an http or https address, or empty to clear the trigger."

Apply = Callable[[str, str, Params], None]


def _required(params: Params, setting: str, *names: str) -> list[str]:
    missing = [name for name in names if not params.has(name)]
    if missing:
        raise ApiError(MISSING.format(name=missing[0], setting=setting))
    return [params.text(name) for name in names]


def _missing_data_codes(path: str, project_token: str, params: Params) -> None:
    (codes,) = _required(params, "missing_data_codes", "codes")
    set_missing_data_codes(path, project_token, codes.strip())


def _surveys(path: str, project_token: str, params: Params) -> None:
    (text,) = _required(params, "surveys", "surveys")
    try:
        surveys = json.loads(text)
    except json.JSONDecodeError:
        raise ApiError(BAD_SURVEYS) from None
    if not isinstance(surveys, dict) or not all(
        isinstance(form, str) and isinstance(title, str) for form, title in surveys.items()
    ):
        raise ApiError(BAD_SURVEYS)
    save_and_return = params.flag("save_and_return") if params.has("save_and_return") else True
    enable_surveys(
        path, project_token, surveys, save_and_return=save_and_return, queue=params.flag("queue")
    )


def _survey_settings(path: str, project_token: str, params: Params) -> None:
    (form,) = _required(params, "survey_settings", "form")
    set_survey_settings(
        path,
        project_token,
        form,
        title=params.text("title"),
        instructions=params.text("instructions"),
        acknowledgement=params.text("acknowledgement"),
        expiration=params.text("expiration").strip(),
    )


def _survey_language(path: str, project_token: str, params: Params) -> None:
    code, name = _required(params, "survey_language", "code", "name")
    set_survey_language(path, project_token, code.strip(), name.strip())


def _translation(path: str, project_token: str, params: Params) -> None:
    language, content = _required(params, "translation", "language", "content")
    if content:
        try:
            decoded = json.loads(content)
        except json.JSONDecodeError:
            raise ApiError(BAD_TRANSLATION) from None
        if not isinstance(decoded, dict):
            raise ApiError(BAD_TRANSLATION)
    set_translation(path, project_token, language.strip(), content)


def _data_entry_trigger(path: str, project_token: str, params: Params) -> None:
    (url,) = _required(params, "data_entry_trigger", "url")
    url = url.strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise ApiError(BAD_URL)
    set_data_entry_trigger(path, project_token, url)


SETTINGS: dict[str, Apply] = {
    "missing_data_codes": _missing_data_codes,
    "surveys": _surveys,
    "survey_settings": _survey_settings,
    "survey_language": _survey_language,
    "translation": _translation,
    "data_entry_trigger": _data_entry_trigger,
}


def change(path: str, setting: str, params: Params) -> answers.Answer:
    """Check the tokens, then apply ``setting`` to the project ``project_token`` names."""
    with open_database(path) as db:
        if db.caller(params.text("token")).project_id is not None:
            raise ApiError(NO_PERMISSION, 403)
        try:
            project_id = db.caller(params.text("project_token")).project_id
        except ApiError:
            project_id = None
    if project_id is None:
        raise ApiError(NOT_A_PROJECT)
    apply = SETTINGS.get(setting)
    if apply is None:
        raise ApiError(UNKNOWN.format(setting=setting, known=", ".join(SETTINGS)), 404)
    apply(path, params.text("project_token"), params)
    return answers.Answer(
        answers.php_json({"setting": setting, "project_id": project_id}), answers.JSON_TYPE
    )


def register(app: Flask) -> None:
    """Serve the project setup on ``app`` (a localcap app)."""

    @app.route(PATH + "<setting>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def project_setup(setting: str) -> Response:
        try:
            if request.method != "POST":
                raise ApiError(NOT_POST, 405)
            whole_body()  # refused (413) past the app's limit, before the form is read
            return _respond(change(app.config["LOCALCAP_DB"], setting, Params(request.form)))
        except ApiError as exc:
            return _respond(answers.error(exc.message, "json", exc.status))
        except Exception:
            app.logger.exception("localcap failed on the project setup of %s", setting)
            return _respond(answers.error(INTERNAL_ERROR, "json", 500))


def _respond(answer: answers.Answer) -> Response:
    return Response(answer.body, status=answer.status, content_type=answer.content_type)
