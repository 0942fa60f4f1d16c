"""Reference values: the shares an earlier scan published, declared with their source, so that a
report can set this scan's results beside them.

    refs = find_references("alliance_2017", instruments)  # shipped, or a JSON file's path

The file names the earlier scan (``title``, e.g. "the 2017 environmental scan") and where its
numbers come from (``source``, quoted), then per question the published percent of each option
(choice code -> percent, 0 to 100; options it did not publish are left out). An earlier scan
rarely publishes its base, so none is asked for: the values are read as fixed numbers.

Every value is checked against the instruments it names: an unknown field or code, a field
without choices, or a percent outside 0..100 (or options summing past 100) is refused with the
file and the JSON pointer of the value. Values of an instrument the report does not read are
left out; a file with none for the report's instruments is refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from instruments.model import Instrument

ROUNDING = 1.5  # published whole percents may sum a little past 100


class ReferenceValuesError(ValueError):
    """A reference file that cannot be used, with where and why."""


@dataclass(frozen=True)
class Reference:
    """One question's published shares: choice code -> percent."""

    instrument: str
    field: str
    percent: dict[str, float]


@dataclass(frozen=True)
class References:
    """A set of published reference values, e.g. an earlier scan's shares."""

    title: str
    source: str
    values: tuple[Reference, ...]

    def get(self, instrument: str, field: str) -> Reference | None:
        """The reference for a question, or None when the set has none."""
        return next(
            (r for r in self.values if r.instrument == instrument and r.field == field), None
        )


SHIPPED = "alliance_2017"  # the earlier scan the source document reports (58/28/14%, 77%)


def shipped_names() -> list[str]:
    """The reference files qiscan ships (``instruments/references/*.json``), by name."""
    folder = files("instruments") / "references"
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def find_references(given: str, instruments: Sequence[Instrument]) -> References:
    """The reference values of a shipped name (e.g. ``alliance_2017``) or of a JSON file."""
    if given in shipped_names():
        text = (files("instruments") / "references" / f"{given}.json").read_text("utf-8")
        return parse_references(json.loads(text), instruments, f"{given}.json")
    path = Path(given)
    if not path.is_file():
        raise ReferenceValuesError(
            f"{given}: no such reference file, nor a shipped one (shipped: "
            f"{', '.join(shipped_names())})"
        )
    return load_references(path, instruments)


def load_references(path: Path, instruments: Sequence[Instrument]) -> References:
    """The reference values in ``path``, checked against ``instruments``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferenceValuesError(f"{path}: cannot read reference values ({exc})") from None
    return parse_references(data, instruments, str(path))


def parse_references(data: Any, instruments: Sequence[Instrument], file: str) -> References:
    """The reference values in ``data``, read from ``file``, checked against ``instruments``."""

    def fail(pointer: str, rule: str) -> ReferenceValuesError:
        return ReferenceValuesError(f"{file}#{pointer}: {rule}")

    if not isinstance(data, dict):
        raise fail("", "must be an object with title, source and values")
    for key in ("title", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise fail(f"/{key}", f"'{key}' must be non-empty text")
    if not isinstance(data.get("values"), list) or not data["values"]:
        raise fail("/values", "'values' must be a non-empty list")
    known = {ins.id: ins for ins in instruments}
    values: list[Reference] = []
    for at, raw in enumerate(data["values"]):
        where = f"/values/{at}"
        if not isinstance(raw, dict):
            raise fail(where, "each value must be an object with instrument, field, percent")
        ins = known.get(str(raw.get("instrument")))
        if ins is None:
            continue  # an instrument this report does not read (the supporters' scan, say)
        fld = ins.field_map().get(str(raw.get("field")))
        if fld is None or not fld.choice_labels():
            raise fail(
                f"{where}/field",
                f"{ins.id} has no choice question named {raw.get('field')!r}",
            )
        shares = raw.get("percent")
        if not isinstance(shares, dict) or not shares:
            raise fail(f"{where}/percent", "'percent' must map choice codes to percents")
        codes = set(fld.choice_labels())
        percent: dict[str, float] = {}
        for code, value in shares.items():
            if code not in codes:
                raise fail(
                    f"{where}/percent/{code}",
                    f"{ins.id}.{fld.name} has no choice code {code!r} (codes: "
                    f"{', '.join(sorted(codes))})",
                )
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise fail(f"{where}/percent/{code}", "a percent must be a number")
            if not 0 <= value <= 100:
                raise fail(f"{where}/percent/{code}", f"a percent lies in 0..100, got {value}")
            percent[code] = float(value)
        if sum(percent.values()) > 100 + ROUNDING:
            raise fail(f"{where}/percent", f"percents sum to {sum(percent.values()):g}, past 100")
        values.append(Reference(ins.id, fld.name, percent))
    if not values:
        named = sorted(
            {str(raw.get("instrument")) for raw in data["values"] if isinstance(raw, dict)}
        )
        raise fail(
            "/values",
            f"no value names an instrument of this report (it reads {', '.join(sorted(known))}; "
            f"the file names {', '.join(named)})",
        )
    return References(data["title"].strip(), data["source"].strip(), tuple(values))
