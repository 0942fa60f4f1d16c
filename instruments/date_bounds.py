"""Date and datetime bounds as REDCap stores them: Y-M-D, whatever the field's display order.

REDCap accepts a date field's min or max written in the field's own order (``01-31-1900`` on a
``date_mdy`` field) and stores it Y-M-D (``1900-01-31``): its field editor and metadata import
rewrite it with ``DateTimeRC::date_mdy2ymd`` / ``date_dmy2ymd`` (redcap-api.md §4.4, "Date
min/max are normalised to Y-M-D"). :func:`ymd_bound` is that rewrite for one bound, used by the
dictionary import; :func:`store_bounds` is the loader's stage that applies it to an instrument, so
that every output (the compiled dictionary, a deploy, the checks, simulated answers) sees the bound
as REDCap stores it.

REDCap 7.1.2's published source (``MetaData::error_checking``) rewrites only bounds written with
slashes, in the upload's M/D/Y or D/M/Y order, and leaves a dashed one unchanged and unchecked.
This module follows redcap-api.md §4.4, the project's notes on the REDCap it targets (15.x),
which may differ from 7.1.2 here.
"""

from __future__ import annotations

import re

from instruments import validation_types
from instruments.model import Instrument
from instruments.problems import ErrorCode, Problem, problem

# REDCap's date_mdy2ymd / date_dmy2ymd split on '-', '/' or '.'
_OWN_ORDER_DATE = re.compile(
    r"^(?P<first>\d{1,2})(?P<sep>[-/.])(?P<second>\d{1,2})(?P=sep)(?P<year>\d{4})$"
)


def ymd_bound(vtype: str, text: str) -> str | None:
    """A date or datetime bound written in its field's own order (``01-31-1900`` on a
    ``date_mdy`` field) as REDCap stores it, Y-M-D (``1900-01-31``); None for any other bound.

    The date part is rewritten and the time part kept. 'today', 'now' and a Y-M-D bound are
    already as REDCap stores them, and a bound that is no real date in the field's order is not
    rewritten: both give None.
    """
    kind = validation_types.lookup(vtype)
    order = vtype[-3:]
    if kind is None or kind.family not in ("date", "datetime") or order not in ("mdy", "dmy"):
        return None
    text = text.strip()
    if validation_types.parse_value(kind, text) is not None:
        return None
    day, _, clock = text.partition(" ")
    match = _OWN_ORDER_DATE.match(day)
    if match is None:
        return None
    first, second, year = match["first"], match["second"], match["year"]
    month, day_of_month = (first, second) if order == "mdy" else (second, first)
    stored = f"{year}-{int(month):02d}-{int(day_of_month):02d}" + (f" {clock}" if clock else "")
    return stored if validation_types.parse_value(kind, stored) is not None else None


def store_bounds(instrument: Instrument) -> list[Problem]:
    """Rewrite each text field's date bound written in the field's own order as REDCap stores it,
    with a ``validation-bound-rewritten`` warning for each; any other bound is left for the
    checks to judge. Runs after the instrument is located, so each warning has its pointer."""
    found = []
    for fld in instrument.fields:
        rule = fld.validation
        if rule is None or fld.type != "text":
            continue
        for bound in ("min", "max"):
            written = getattr(rule, bound)
            stored = ymd_bound(rule.type, written) if written else None
            if stored is None:
                continue
            setattr(rule, bound, stored)
            found.append(
                problem(
                    ErrorCode.VALIDATION_BOUND_REWRITTEN,
                    file=instrument.read_from,
                    pointer=f"{fld.pointer}/validation/{bound}",
                    field=fld.name,
                    bound=bound,
                    value=written,
                    stored=stored,
                )
            )
    return found
