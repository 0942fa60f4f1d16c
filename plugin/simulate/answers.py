"""Generic answers: what any field of any valid instrument gets from its definition alone.

Each generator returns one value per row for every column of the field (before branching,
nonresponse and missing-data codes, which the engine applies). Proportions not given by the
instrument's profile are drawn once per field from the run's generator: uneven, as real
answers are, yet reproducible from the seed.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np

from instruments import validation_types
from instruments.logic.values import parse_number
from instruments.model import Field
from instruments.naming import checkbox_column
from plugin.simulate import textbank
from plugin.simulate.latent import ordinal_answers
from plugin.simulate.state import Columns, Fill

OTHER_WEIGHT = 0.04  # an "Other" choice is rarely the answer
OTHER_TICK_RATE = 0.06
NOTA_RATE = 0.08  # respondents who tick a "none of the above" option
_NAME_WORDS = ("name", "facilitator", "coder", "moderator", "interviewer")


def generic(fld: Field, fill: Fill) -> Columns:
    """One value per row for each column of ``fld``."""
    if fld.type in ("radio", "dropdown"):
        return {fld.name: single_choice(fld, fill)}
    if fld.type in ("yesno", "truefalse"):
        rate = fill.profile.yes_rates.get(fld.name, float(fill.rng.uniform(0.35, 0.75)))
        ticked = fill.rng.random(fill.rows.count) < rate
        return {fld.name: np.where(ticked, "1", "0").astype(object)}
    if fld.type == "checkbox":
        return checkbox(fld, fill)
    if fld.type == "slider":
        return {fld.name: slider(fld, fill)}
    if fld.type == "notes":
        bank = fill.profile.phrases.get(fld.name, textbank.COMMENT_SENTENCES)
        return {fld.name: textbank.sentences(fill.rng, bank, fill.rows.count)}
    return {fld.name: text(fld, fill)}


def is_other(label: str | None) -> bool:
    """Whether a choice label is an "Other" option: it starts with "Other"."""
    return (label or "").strip().lower().startswith("other")


def is_other_specify(fld: Field) -> bool:
    """A text box that asks what "Other" means (``org_type_other``, "please specify")."""
    return fld.type == "text" and (
        fld.name.lower().endswith("_other") or "specify" in fld.label.lower()
    )


def choice_weights(fld: Field, fill: Fill) -> np.ndarray:
    """Probabilities of ``fld``'s codes: the profile's, else uneven ones drawn for the field."""
    codes = fld.choice_codes()
    labels = fld.choice_labels()
    given = fill.profile.choice_weights.get(fld.name)
    if given is not None:
        weights = np.asarray([given.get(code, 0.0) for code in codes], dtype=float)
        if not weights.sum() > 0:
            raise ValueError(
                f"choice weights for field '{fld.name}' give no weight to any of its codes "
                f"({', '.join(codes)})"
            )
    else:
        weights = fill.rng.gamma(2.0, 1.0, len(codes))
        weights /= weights.sum()
        others = np.asarray([is_other(labels[code]) for code in codes])
        weights[others] = OTHER_WEIGHT
    return weights / weights.sum()


def single_choice(fld: Field, fill: Fill) -> np.ndarray:
    """A radio or dropdown field's code per row: from the row's latent level when the field is in a
    trait group, else drawn by its choice weights."""
    group = fill.groups.get(fld.name)
    if group is not None:
        index, reverse = group
        level = fill.rows.levels[:, index]
        return ordinal_answers(fld, level, reverse, fill.options.item_noise, fill.rng)
    codes = np.asarray(fld.choice_codes(), dtype=object)
    return codes[fill.rng.choice(len(codes), size=fill.rows.count, p=choice_weights(fld, fill))]


def exclusive_codes(fld: Field) -> list[str]:
    """Codes REDCap's ``@NONEOFTHEABOVE`` makes exclusive of every other option."""
    return list(fld.none_codes())


def checkbox(fld: Field, fill: Fill) -> Columns:
    """One ``field___code`` column per option, each ticked at its own rate (the profile's, else
    drawn): a row with no other tick ticks "none of the above" when there is one, and a required
    field has at least one tick."""
    codes = fld.choice_codes()
    labels = fld.choice_labels()
    exclusive = exclusive_codes(fld)
    given = fill.profile.checkbox_rates.get(fld.name, {})
    rates = np.asarray(
        [
            given.get(
                code, OTHER_TICK_RATE if is_other(labels[code]) else fill.rng.uniform(0.15, 0.55)
            )
            for code in codes
        ]
    )
    rows = fill.rows.count
    ticked = fill.rng.random((rows, len(codes))) < rates
    if exclusive:
        plain = np.asarray([code not in exclusive for code in codes])
        ticked[:, ~plain] = False
        opts_out = fill.rng.random(rows) < NOTA_RATE
        ticked[opts_out] &= ~plain
        nothing = ~ticked.any(axis=1)
        ticked[nothing, codes.index(exclusive[0])] = True
    elif fld.required:
        nothing = ~ticked.any(axis=1)
        ticked[nothing, int(np.argmax(rates))] = True
    return {
        checkbox_column(fld.name, code): np.where(ticked[:, i], "1", "0").astype(object)
        for i, code in enumerate(codes)
    }


def slider(fld: Field, fill: Fill) -> np.ndarray:
    """A slider position per row, a whole number between its min and max (0 to 100 by default),
    centred by the row's latent level when the field is in a trait group."""
    low = parse_number(fld.slider.min) if fld.slider and fld.slider.min else None
    high = parse_number(fld.slider.max) if fld.slider and fld.slider.max else None
    low, high = (0.0 if low is None else low), (100.0 if high is None else high)
    middle, half = (low + high) / 2.0, (high - low) / 2.0
    group = fill.groups.get(fld.name)
    if group is not None:
        centre = fill.rows.levels[:, group[0]] * (-1 if group[1] else 1) / 2.5
    else:
        centre = np.zeros(fill.rows.count)
    position = middle + half * (centre + fill.rng.normal(0.0, 0.35, fill.rows.count))
    values = np.clip(np.rint(position), np.ceil(low), np.floor(high)).astype(np.int64)
    return values.astype(str).astype(object)


def text(fld: Field, fill: Fill) -> np.ndarray:
    """A text field's value per row: numbers or dates by its validation, a formatted value (e-mail,
    telephone, ...), the profile's phrases, or a phrase, name or id that fits its name and label."""
    rows = fill.rows.count
    vtype = validation_types.lookup(fld.validation.type) if fld.validation else None
    if vtype is not None and vtype.family in ("integer", "number"):
        return numbers(fld, vtype, fill)
    if vtype is not None and vtype.family in ("date", "datetime", "time"):
        return moments(fld, vtype, fill)
    if vtype is not None:
        made = textbank.formatted(fill.rng, vtype.name, rows)
        if made is not None:
            return made
    bank = fill.profile.phrases.get(fld.name)
    if bank is not None:
        return textbank.pick(fill.rng, bank, rows)
    name, label = fld.name.lower(), fld.label.lower()
    if is_other_specify(fld):
        return textbank.pick(fill.rng, textbank.OTHER_PHRASES, rows)
    if name.endswith("_id"):
        return textbank.unit_ids(textbank.id_prefix(name), rows)[fill.rng.permutation(rows)]
    if any(word in name for word in _NAME_WORDS) or re.search(r"\bname\b", label):
        return textbank.person_names(fill.rng, rows)
    return textbank.pick(fill.rng, textbank.SHORT_PHRASES, rows)


def bound(fld: Field, which: str, vtype: validation_types.ValidationType, fill: Fill) -> object:
    """The field's validation min or max as an ordered value; 'today' is the options' last day."""
    raw = getattr(fld.validation, which, "") if fld.validation else ""
    if not raw:
        return None
    if raw.strip() in ("today", "now"):
        return fill.options.last_date
    return validation_types.parse_value(vtype, raw)


def numbers(fld: Field, vtype: validation_types.ValidationType, fill: Fill) -> np.ndarray:
    """Numbers for a number- or integer-validated field: within its bounds and the profile's
    plausible range, with the validation's decimal places (and comma)."""
    rows, rng = fill.rows.count, fill.rng
    low, high = bound(fld, "min", vtype, fill), bound(fld, "max", vtype, fill)
    low = float(low) if isinstance(low, float) else None
    high = float(high) if isinstance(high, float) else None
    plausible = fill.profile.number_ranges.get(fld.name)
    draws: np.ndarray
    if plausible is not None:
        span_low = plausible[0] if low is None else max(low, plausible[0])
        span_high = plausible[1] if high is None else min(high, plausible[1])
        draws = span_low + rng.beta(2.0, 3.0, rows) * (span_high - span_low)
    elif low is not None and high is not None:
        narrow = high - low <= 30
        draws = low + (rng.random(rows) if narrow else rng.beta(1.5, 5.0, rows)) * (high - low)
    elif low is not None:
        draws = low + rng.poisson(4.0, rows)
    elif high is not None:
        draws = high - rng.poisson(4.0, rows)
    else:
        draws = rng.poisson(10.0, rows).astype(float)
    if vtype.family == "integer":
        draws = np.rint(draws)
        low = None if low is None else float(np.ceil(low))
        high = None if high is None else float(np.floor(high))
    places = _decimal_places(vtype.name)
    draws = np.clip(np.round(draws, places), low, high)
    texts = [f"{value:.{places}f}" for value in draws]
    if vtype.decimal_comma:
        texts = [value.replace(".", ",") for value in texts]
    return np.asarray(texts, dtype=object)


def _decimal_places(name: str) -> int:
    found = re.search(r"number_(\d)dp", name)
    if found:
        return int(found.group(1))
    return 1 if name.startswith("number") else 0


def moments(fld: Field, vtype: validation_types.ValidationType, fill: Fill) -> np.ndarray:
    """Dates, datetimes or times for a date- or time-validated field: within its bounds and the
    options' dates, on the rows' own dates when they are dated."""
    rows, rng, options = fill.rows.count, fill.rng, fill.options
    hours, minutes, seconds = (
        rng.integers(8, 18, rows),
        rng.integers(0, 60, rows),
        rng.integers(0, 60, rows),
    )
    if vtype.family == "time":
        if vtype.name == "time_mm_ss":
            return np.asarray(
                [f"{m:02d}:{s:02d}" for m, s in zip(minutes, seconds, strict=False)], dtype=object
            )
        with_seconds = vtype.name == "time_hh_mm_ss"
        return np.asarray(
            [
                f"{h:02d}:{m:02d}" + (f":{s:02d}" if with_seconds else "")
                for h, m, s in zip(hours, minutes, seconds, strict=False)
            ],
            dtype=object,
        )
    low, high = _day(bound(fld, "min", vtype, fill)), _day(bound(fld, "max", vtype, fill))
    first, last = options.first_date.toordinal(), options.last_date.toordinal()
    window_low = first if low is None else max(first, low)
    window_high = last if high is None else min(last, high)
    if window_low > window_high:
        # The field's own bounds lie outside the usual window: keep to them.
        window_low = low if low is not None else window_high
        window_high = max(window_low, high if high is not None else window_low)
    if fill.rows.dated:
        days = fill.rows.day
    else:
        days = rng.integers(window_low, window_high + 1, rows)
    days = np.clip(days, low, high) if (low is not None or high is not None) else days
    texts = [date.fromordinal(int(day)).isoformat() for day in days]
    if vtype.family == "datetime":
        with_seconds = "seconds" in vtype.name
        texts = [
            f"{day} {h:02d}:{m:02d}" + (f":{s:02d}" if with_seconds else "")
            for day, h, m, s in zip(texts, hours, minutes, seconds, strict=False)
        ]
    return np.asarray(texts, dtype=object)


def _day(value: object) -> int | None:
    if isinstance(value, datetime):
        return value.date().toordinal()
    if isinstance(value, date):
        return value.toordinal()
    return None
