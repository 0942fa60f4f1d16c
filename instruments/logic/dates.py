"""Reading dates for ``datediff``, ``year``, ``month`` and ``day``.

REDCap stores dates as ``Y-M-D`` and datetimes as ``Y-M-D H:M`` or ``Y-M-D H:M:S`` whatever the
field's display format, so that is all that is read here (a ``T`` between date and time is also
accepted, and one-digit months, days and hours). ``'today'`` and ``'now'`` (any letter case) read
the evaluation clock. Anything else, including impossible dates such as ``2023-02-30``, is blank.

A moment is counted in whole seconds since the start of 0001-01-01 (Python's proleptic Gregorian
ordinal times 86 400). The scalar path uses :meth:`datetime.date.toordinal`, the vectorised path
the same arithmetic in numpy; both are exact integers held in a float64 (they stay below 2**53),
so the two paths agree to the bit.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from instruments.logic.values import Context

DATE_TEXT = re.compile(
    r"[ ]*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?[ ]*"
)
_SECONDS_PER_DAY = 86_400
# Days before each month (index 1-12) in a common year.
_DAYS_BEFORE_MONTH = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass(frozen=True)
class Clock:
    """'today' and 'now', fixed once per evaluation so every row sees the same instant."""

    today: datetime.datetime
    now: datetime.datetime


@dataclass(frozen=True)
class Moment:
    """A date or date-time read from logic: its calendar parts, and its seconds since the start of
    day 1 of year 1 for differences."""

    year: int
    month: int
    day: int
    seconds: int  # since 0001-01-01T00:00:00


def clock_for(context: Context) -> Clock:
    """The evaluation's 'today' and 'now': the context's fixed day or moment, else the system clock,
    to the second."""
    setting = context.today
    if setting is None:
        now = datetime.datetime.now().replace(microsecond=0)
        return Clock(datetime.datetime.combine(now.date(), datetime.time()), now)
    if isinstance(setting, datetime.datetime):
        now = setting.replace(microsecond=0, tzinfo=None)
        return Clock(datetime.datetime.combine(now.date(), datetime.time()), now)
    midnight = datetime.datetime.combine(setting, datetime.time())
    return Clock(midnight, midnight)


def _moment_of(stamp: datetime.datetime) -> Moment:
    seconds = stamp.toordinal() * _SECONDS_PER_DAY + stamp.hour * 3600 + stamp.minute * 60
    return Moment(stamp.year, stamp.month, stamp.day, seconds + stamp.second)


def parse_moment(text: str, clock: Clock) -> Moment | None:
    """The moment ``text`` names, or None when it is blank or not a REDCap date."""
    word = text.strip().lower()
    if word in ("today", "now"):
        return _moment_of(clock.today if word == "today" else clock.now)
    match = DATE_TEXT.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in match.groups())
    try:
        return _moment_of(datetime.datetime(year, month, day, hour, minute, second))
    except ValueError:
        return None


def parse_moments(texts: np.ndarray, clock: Clock) -> dict[str, np.ndarray]:
    """Vectorised :func:`parse_moment`: float arrays ``year``, ``month``, ``day`` and
    ``seconds``, NaN where a text is not a date."""
    codes, uniques = pd.factorize(texts)
    found = _parse_unique(pd.Series(uniques, dtype=object), clock)
    return {name: values[codes] for name, values in found.items()}


def _parse_unique(texts: pd.Series, clock: Clock) -> dict[str, np.ndarray]:
    parts = texts.str.extract(DATE_TEXT.pattern).fillna("0")
    columns = ["year", "month", "day", "hour", "minute", "second"]
    numbers = {
        name: parts[index].to_numpy(dtype=object).astype(np.int64)
        for index, name in enumerate(columns)
    }
    matched = texts.str.fullmatch(DATE_TEXT.pattern).to_numpy(dtype=bool, na_value=False)
    year, month, day = numbers["year"], numbers["month"], numbers["day"]
    valid_month = (month >= 1) & (month <= 12)
    month_index = np.where(valid_month, month, 0)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_length = _DAYS_IN_MONTH[month_index] + ((month_index == 2) & leap)
    valid = (
        matched
        & (year >= 1)
        & valid_month
        & (day >= 1)
        & (day <= month_length)
        & (numbers["hour"] <= 23)
        & (numbers["minute"] <= 59)
        & (numbers["second"] <= 59)
    )
    before = year - 1
    ordinal = (
        before * 365
        + before // 4
        - before // 100
        + before // 400
        + _DAYS_BEFORE_MONTH[month_index]
        + ((month_index > 2) & leap)
        + day
    )
    seconds = (
        ordinal * _SECONDS_PER_DAY
        + numbers["hour"] * 3600
        + numbers["minute"] * 60
        + numbers["second"]
    )
    found = {
        "year": np.where(valid, year, np.nan),
        "month": np.where(valid, month, np.nan),
        "day": np.where(valid, day, np.nan),
        "seconds": np.where(valid, seconds, np.nan),
    }
    words = texts.str.strip().str.lower().to_numpy(dtype=object)
    for word, stamp in (("today", clock.today), ("now", clock.now)):
        moment = _moment_of(stamp)
        is_word = words == word
        found["year"][is_word] = moment.year
        found["month"][is_word] = moment.month
        found["day"][is_word] = moment.day
        found["seconds"][is_word] = moment.seconds
    return found
