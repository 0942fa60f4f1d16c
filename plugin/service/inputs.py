"""Checks every request's input before any view sees it.

Refused with 422 wherever it appears (query, form, JSON body, URL), the answer naming each place:

* a NUL character: no field of the service means to hold one, and PostgreSQL cannot store it
  in text, so letting it through would turn a bad request into a server error;
* a lone surrogate (JSON's ``"\\ud800"`` without its pair): it is no character, and neither the
  database nor the JSON encoder can write such a string back out;
* a JSON body nested deeper than :data:`MAX_DEPTH` levels, found by scanning the text before it
  is parsed: no request needs more (the shipped instruments nest 6 deep), and parsing or
  walking it would run out of recursion.

The body's size is checked before any of this: a body over ``MAX_CONTENT_LENGTH``
(:mod:`plugin.service.config`) is refused with 413, by its declared length before it is read,
and a chunked one once it passes the limit (:func:`plugin.localcap.server.whole_body`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request

from plugin.localcap.server import whole_body
from plugin.service.errors import ApiProblem

NUL = "\x00"
MAX_DEPTH = 64
SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON string (escapes included) or one structural character: all the depth scan reads.
STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')
HINTS = {
    "nul": "remove the NUL (\\u0000) character",
    "surrogate": "a lone surrogate (\\ud800 to \\udfff without its pair) is no character: "
    "send the text as it was written",
}


def text_problems(text: str) -> list[str]:
    """What is wrong with one text: ``nul``, ``surrogate``, both, or nothing."""
    found = ["nul"] if NUL in text else []
    return found + (["surrogate"] if SURROGATE.search(text) else [])


def bad_text(value: Any, path: str) -> dict[str, list[str]]:
    """The paths inside ``value`` (a parsed JSON value) whose text, or a key's, holds a NUL or
    a lone surrogate, each with its problems."""
    found: dict[str, list[str]] = {}
    if isinstance(value, str):
        problems = text_problems(value)
        return {path: problems} if problems else {}
    if isinstance(value, dict):
        for key, item in value.items():
            problems = text_problems(str(key))
            if problems:
                found[f"{path}/{key}"] = problems
            for place, more in bad_text(item, f"{path}/{key}").items():
                found[place] = sorted({*found.get(place, []), *more})
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(bad_text(item, f"{path}/{index}"))
    return found


def too_deep(text: str, limit: int = MAX_DEPTH) -> str | None:
    """The JSON pointer of the first value in the JSON ``text`` that opens a container deeper
    than ``limit`` levels, or None; read from the text alone, without parsing it."""
    kinds: list[str] = []  # the open containers, outermost first
    path: list[str | int] = []  # in each, the key or index being read
    last_string = ""
    for match in STRUCTURE.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            if len(kinds) == limit:
                return "".join(f"/{step}" for step in path)
            kinds.append(token)
            path.append(0 if token == "[" else "")
        elif token == "]" or token == "}":
            if kinds:
                kinds.pop()
                path.pop()
        elif token == ",":
            if kinds and kinds[-1] == "[":
                path[-1] = int(path[-1]) + 1
        elif token == ":":
            if kinds and kinds[-1] == "{":
                path[-1] = last_string
        else:
            last_string = key_text(token)
    return None


def key_text(token: str) -> str:
    """The text a JSON string token holds, to name a key: unescaped, or as written when its escape
    is broken."""
    try:
        return str(json.loads(token))
    except ValueError:  # a broken escape: the parser will say so; name the key as written
        return token[1:-1]


def check_json_depth() -> None:
    """Refuse (422, naming where) a JSON body nested deeper than MAX_DEPTH levels, from its text
    before it is parsed."""
    text = whole_body().decode("utf-8", errors="replace")
    where = too_deep(text)
    if where is not None:
        raise ApiProblem(
            422,
            f"the JSON body is nested deeper than {MAX_DEPTH} levels, more than any request needs",
            {f"json:{where or '/'}": [f"nest the body at most {MAX_DEPTH} levels deep"]},
        )


def check_request() -> None:
    """Refuse a body over the size limit (413), then, with 422 naming each place, a NUL or lone
    surrogate anywhere in the request and a JSON body nested too deep."""
    whole_body()  # first: a chunked body past the limit is refused, not read cut short
    places: dict[str, list[str]] = {}
    if NUL in request.path:
        places[f"path:{request.path}"] = ["nul"]
    for where, fields in (("query", request.args), ("form", request.form)):
        for key, value in fields.items(multi=True):
            problems = text_problems(key + value)
            if problems:
                places[f"{where}:{key}"] = problems
    if request.is_json:
        check_json_depth()
        for place, problems in bad_text(request.get_json(silent=True), "").items():
            places[f"json:{place or '/'}"] = problems
    if places:
        raise ApiProblem(
            422,
            "the request holds a character no field accepts (a NUL or a lone surrogate); "
            "errors names where",
            {place: [HINTS[problem] for problem in problems] for place, problems in places.items()},
        )


def init_app(app: Flask) -> None:
    app.before_request(check_request)
