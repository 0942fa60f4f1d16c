"""REDCap's choice strings: ``"1, Yes | 2, No"``, legacy ``"Yes | No"``, slider labels.

Parsing is lenient about spacing (``1,Yes|2,No`` reads the same) and strict about meaning: the
code is everything before the first comma, the label everything after it, both trimmed. A choice
without a comma is a legacy choice whose code is its label.
"""

from __future__ import annotations

from instruments.model import Choice

SEPARATOR = " | "


def parse_choices(text: str) -> list[Choice]:
    """The choices of a REDCap choice string, items split on ``|`` or line breaks, blank items
    skipped; an item without a comma is a legacy choice with no label."""
    # REDCap stores choices separated by newlines and exports them joined with '|'.
    items = text.replace("\r\n", "\n").replace("\n", "|").split("|")
    choices = []
    for item in items:
        if not item.strip():
            continue
        code, comma, label = item.partition(",")
        choices.append(Choice(code.strip(), label.strip() if comma else None))
    return choices


def format_choices(choices: list[Choice]) -> str:
    """The choices as REDCap's choice string, ``"1, Yes | 2, No"``; a legacy choice as its code
    alone."""
    return SEPARATOR.join(
        choice.code if choice.label is None else f"{choice.code}, {choice.label}"
        for choice in choices
    )


def parse_slider_labels(text: str) -> tuple[str, ...]:
    """A slider's labels from its choices column, ``"Low | Middle | High"``, each trimmed; none
    from blank text."""
    if not text.strip():
        return ()
    return tuple(part.strip() for part in text.split("|"))


def format_slider_labels(labels: tuple[str, ...]) -> str:
    # An empty middle label is written "Low | | High", as REDCap writes it, not "Low |  | High".
    return "|".join(f" {label} " if label else " " for label in labels).strip()
