"""How chart text is measured and laid out without a font engine: widths estimated per
character class, labels wrapped or cut with an ellipsis, round axis ticks, value labels."""

from __future__ import annotations

import math

NARROW = frozenset("fijlrtI!'|.,:;()[]/ ")
WIDE = frozenset("mwMW@%<>=+~")
ELLIPSIS = "\u2026"


def number(value: float, unit: str = "") -> str:
    """A chart value as it is labelled: one decimal, a percent sign stuck to it."""
    if math.isnan(value):
        return "no value"
    text = f"{value:,.1f}"
    return f"{text}%" if unit == "%" else text


def text_width(text: str, size: float) -> float:
    """The width ``text`` takes at font ``size``, estimated per character class; on the wide
    side, so an estimate that is off cuts a label early rather than letting it overflow."""
    return size * sum(
        0.36 if c in NARROW else 0.9 if c in WIDE else 0.78 if c.isupper() else 0.62 for c in text
    )


def wrap(text: str, width: float, max_lines: int, size: float = 13) -> tuple[list[str], bool]:
    """``text`` in at most ``max_lines`` lines of at most ``width``; True when it had to be cut
    (an ellipsis then ends the last line). Words wider than a line are broken."""
    # Only what could ever be shown is measured: a 5,000-character answer costs no more.
    limit = int(max_lines * width / (size * 0.36)) + 2
    truncated = len(text) > limit
    pieces: list[str] = []
    for word in text[:limit].split():
        while len(word) > 1 and text_width(word, size) > width:
            fits = _prefix_that_fits(word, width, size)
            pieces.append(word[:fits])
            word = word[fits:]
        pieces.append(word)
    lines: list[str] = []
    for piece in pieces:
        if lines and text_width(f"{lines[-1]} {piece}", size) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    if len(lines) <= max_lines and not truncated:
        return lines or [""], False
    kept = lines[:max_lines]
    last = kept[-1]
    while last and text_width(last + ELLIPSIS, size) > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + ELLIPSIS
    return kept, True


def _prefix_that_fits(word: str, width: float, size: float) -> int:
    total = 0.0
    for index, char in enumerate(word):
        total += text_width(char, size)
        if total > width:
            return max(index, 1)
    return len(word)


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round axis ticks (steps of 1, 2 or 5 times a power of ten) covering ``low..high``."""
    if not high > low:
        return [low]
    raw = (high - low) / target
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    count = int(math.floor((high - first) / step + 1e-9)) + 1
    return [round(first + i * step, 10) for i in range(count)]
