"""The POST parameters of one API call, read the way REDCap's PHP reads them.

PHP rebuilds arrays from ``name[0]=a&name[1]=b`` (and ``name[]=a``) in the order the keys arrive;
REDCap's export methods also take a comma-separated string. Flags are true for ``1`` or any case
of ``true`` (PyCap sends Python's ``True``). Enumerated options that hold an unknown value fall
back to their default silently, as REDCap does (§1.2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, Protocol, cast

Format = Literal["json", "csv", "xml"]
FORMATS: tuple[Format, ...] = ("json", "csv", "xml")
CSV_DELIMITERS = {",": ",", "tab": "\t", ";": ";", "|": "|", "^": "^"}

_INDEXED = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<index>[^\[\]]*)\]$")


class FormData(Protocol):
    """What a :class:`Params` is read from: werkzeug's form (a MultiDict), or anything with its
    ``keys`` and ``getlist``."""

    def keys(self) -> Iterable[str]: ...

    def getlist(self, key: str) -> list[str]: ...


class Params:
    """Typed access to a request's form fields."""

    def __init__(self, form: FormData) -> None:
        self._plain: dict[str, str] = {}
        self._arrays: dict[str, list[str]] = {}
        for key in form.keys():
            values = form.getlist(key)
            match = _INDEXED.match(key)
            if match is None:
                self._plain[key] = values[-1] if values else ""
            else:
                self._arrays.setdefault(match.group("name"), []).extend(values)

    def has(self, name: str) -> bool:
        """Whether the call sent ``name``, as a plain value or as an array."""
        return name in self._plain or name in self._arrays

    def text(self, name: str, default: str = "") -> str:
        """The value of ``name`` (the last one sent, as PHP keeps it), else ``default``."""
        return self._plain.get(name, default)

    def flag(self, name: str) -> bool:
        """True for ``1`` or any case of ``true``; anything else, absence included, is false."""
        value = self._plain.get(name, "").strip()
        return value == "1" or value.lower() == "true"

    def choice(self, name: str, allowed: Iterable[str], default: str) -> str:
        """The value of ``name`` when it is one of ``allowed``, else ``default``: REDCap's silent
        fallback."""
        value = self._plain.get(name, default)
        return value if value in tuple(allowed) else default

    def listing(self, name: str) -> list[str]:
        """An export list: the PHP array, or else a comma-separated string; empty when absent."""
        if name in self._arrays:
            return [value.strip() for value in self._arrays[name] if value.strip()]
        text = self._plain.get(name, "")
        return [part.strip() for part in text.split(",") if part.strip()]

    def array(self, name: str) -> tuple[list[str], bool]:
        """A strict array parameter: its values, and whether it came as a real array."""
        if name in self._arrays:
            return [value for value in self._arrays[name] if value.strip()], True
        text = self._plain.get(name, "")
        return ([text] if text.strip() else []), False

    @property
    def content(self) -> str:
        return self.text("content")

    @property
    def action(self) -> str:
        return self.text("action")

    @property
    def format(self) -> Format:
        """``format``: json, csv or xml; ``odm`` and anything else read as xml (§1.2)."""
        value = self.text("format")
        return cast(Format, value) if value in FORMATS else "xml"

    @property
    def return_format(self) -> Format:
        """The format of error bodies and import answers: returnFormat, else format, else xml."""
        value = self.text("returnFormat")
        if value in FORMATS:
            return cast(Format, value)
        return self.format

    @property
    def csv_delimiter(self) -> str:
        """The ``csvDelimiter`` as a character (``tab`` is a tab); an unknown one is a comma."""
        return CSV_DELIMITERS.get(self.text("csvDelimiter", ","), ",")

    @property
    def decimal_character(self) -> str | None:
        """``decimalCharacter`` when it is ``,`` or ``.``; None (numbers as stored) otherwise."""
        value = self.text("decimalCharacter")
        return value if value in (",", ".") else None
