"""Checks every request's input before any view sees it.

A NUL character is refused wherever it appears (query, form, JSON body, URL): no field of the
service means to hold one, and PostgreSQL cannot store it in text, so letting it through would
turn a bad request into a server error. The answer names where it was found.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from plugin.service.errors import ApiProblem

NUL = "\x00"


def nul_paths(value: Any, path: str) -> list[str]:
    """The paths inside ``value`` (a parsed JSON value) whose text holds a NUL."""
    if isinstance(value, str):
        return [path] if NUL in value else []
    if isinstance(value, dict):
        found = [path + "/" + str(key) for key in value if NUL in str(key)]
        for key, item in value.items():
            found += nul_paths(item, f"{path}/{key}")
        return found
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in nul_paths(item, f"{path}/{index}")]
    return []


def check_request() -> None:
    places = [f"path:{request.path}"] if NUL in request.path else []
    places += [f"query:{k}" for k, v in request.args.items(multi=True) if NUL in k + v]
    places += [f"form:{k}" for k, v in request.form.items(multi=True) if NUL in k + v]
    if request.is_json:
        places += [f"json:{p or '/'}" for p in nul_paths(request.get_json(silent=True), "")]
    if places:
        raise ApiProblem(
            422,
            "the request holds a NUL character, which no field accepts",
            {place: ["remove the NUL (\\u0000) character"] for place in places},
        )


def init_app(app: Flask) -> None:
    app.before_request(check_request)
