"""REDCap's action tags, read from a field's annotation the way REDCap reads them.

One reader for every layer: the instrument model (``Field.none_codes``), the simulator and
localcap's survey pages. Only the tags that change what a respondent sees or may answer are
read: ``@HIDDEN``, ``@HIDDEN-SURVEY``, ``@READONLY``, ``@READONLY-SURVEY``,
``@NONEOFTHEABOVE``, ``@DEFAULT``, ``@PLACEHOLDER`` and ``@CHARLIMIT``.

REDCap's rules (its ``Form`` class and the action tag help text), kept here with their quirks:

- Tags are case-sensitive: ``@hidden`` is not a tag.
- A tag without a value is found only as a whole word between spaces, tabs or line breaks, so
  ``@HIDDEN-SURVEY`` does not count as ``@HIDDEN`` and ``@HIDDEN,`` is no tag at all.
  ``@HIDDEN-FORM``, ``@HIDDEN-APP``, ``@HIDDEN-PDF``, ``@READONLY-FORM`` and ``@READONLY-APP``
  act elsewhere than on a survey page and are not read.
- ``@CHARLIMIT`` and ``@NONEOFTHEABOVE`` take a value after ``=`` with or without quotes
  (``@CHARLIMIT=10``, ``@NONEOFTHEABOVE='45,99'``); unquoted, the value ends at the first space.
- ``@DEFAULT`` and ``@PLACEHOLDER`` take a value in single or double quotes only, not empty;
  without quotes they are ignored. A checkbox default lists codes: ``@DEFAULT='1,3'``.
- Spaces are allowed around ``=``; the first occurrence of a tag wins.

``@DEFAULT`` with piping (``[other_field]`` inside the value) is read as the literal text:
REDCap would pipe the other field's value in, which localcap does not do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WHITESPACE = str.maketrans({"\r": " ", "\n": " ", "\t": " "})


@dataclass(frozen=True)
class Tags:
    """The respondent-facing action tags of one annotation."""

    hidden: bool = False  # @HIDDEN: hidden on every page, whatever branching logic says
    hidden_survey: bool = False  # @HIDDEN-SURVEY: hidden on survey pages only
    readonly: bool = False  # @READONLY or @READONLY-SURVEY: shown, not changeable on a survey
    none_of_above: tuple[str, ...] = ()  # @NONEOFTHEABOVE codes, as written
    default: str = ""  # @DEFAULT: the initial value; "" when there is none
    placeholder: str = ""  # @PLACEHOLDER: the hint shown inside an empty box; "" when none
    charlimit: int | None = None  # @CHARLIMIT: the most characters an answer may have


def words(annotation: str) -> list[str]:
    """The annotation split as REDCap splits it to find a tag: at every single space, tab or
    line break (so a tag followed by a comma is a different word)."""
    return annotation.translate(WHITESPACE).split(" ")


def value_of(annotation: str, tag: str) -> str:
    """The value of ``tag=value`` where quotes are optional (REDCap's ``getValueInActionTag``):
    the text inside the quotes, or unquoted the text up to the first space; "" when absent."""
    found = re.search(
        re.escape(tag) + r"""\s*=\s*("[^"]+"|'[^']+'|"?[^"]+"?|'?[^']+'?)""", annotation
    )
    if found is None:
        return ""
    value = found.group(1)
    if value[0] not in "'\"":
        parts = value.split()
        value = parts[0] if parts else ""
    return value.strip("'").strip('"').strip()


def quoted_value_of(annotation: str, tag: str) -> str:
    """The value of ``tag="value"`` or ``tag='value'`` (REDCap's ``getValueInQuotesActionTag``):
    the text inside the quotes, kept as written; "" when absent, empty or unquoted."""
    found = re.search(re.escape(tag) + r"""\s*=\s*("[^"]+"|'[^']+')""", annotation)
    return found.group(1)[1:-1] if found else ""


def codes_of(value: str) -> tuple[str, ...]:
    """Comma-separated choice codes, each trimmed, blanks left out."""
    return tuple(code.strip() for code in value.split(",") if code.strip())


def none_of_the_above(annotation: str) -> tuple[str, ...]:
    """The codes ``@NONEOFTHEABOVE`` names, as written (not checked against the choices)."""
    return codes_of(value_of(annotation, "@NONEOFTHEABOVE"))


@lru_cache(maxsize=4096)
def parse(annotation: str) -> Tags:
    """Every respondent-facing tag of an annotation (cached: the text is all it depends on)."""
    if "@" not in annotation:
        return Tags()
    found = set(words(annotation))
    limit = value_of(annotation, "@CHARLIMIT")
    return Tags(
        hidden="@HIDDEN" in found,
        hidden_survey="@HIDDEN-SURVEY" in found,
        readonly="@READONLY" in found or "@READONLY-SURVEY" in found,
        none_of_above=none_of_the_above(annotation),
        default=quoted_value_of(annotation, "@DEFAULT"),
        placeholder=quoted_value_of(annotation, "@PLACEHOLDER"),
        charlimit=int(limit) if limit.isascii() and limit.isdigit() and int(limit) > 0 else None,
    )
