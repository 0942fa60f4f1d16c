"""REDCap labels are HTML: what survey pages, PDF forms and reports show is their plain text."""

from __future__ import annotations

import html
import re

_BREAKS = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"</?[A-Za-z][^>]*>")


def plain_text(label: str) -> str:
    """A label as plain lines: tags dropped, entities decoded, block ends and ``<br>`` kept as
    line breaks, runs of spaces collapsed. What is shown from it is escaped again."""
    text = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", label)))
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)
