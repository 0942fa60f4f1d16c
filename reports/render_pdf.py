"""A Report as a PDF: the HTML report laid out on A4 pages by WeasyPrint.

The PDF is the HTML page printed: the same template, the same numbers, and print.css for the
pages (size, margins, the title above, "Page N of M" below, repeated table headers, rows and
charts kept whole), with long text capped and long unbroken runs made breakable
(:mod:`reports.long_text`: WeasyPrint's layout time grows faster than linearly with them, and
a 1 MB comment once took over an hour). Nothing is fetched while rendering: the HTML is
self-contained, and the URL fetcher refuses every protocol, so a URL smuggled into the text
could never be requested.

The stylesheets (report.css, then print.css) are parsed once per process, with one font
configuration, and given to every document, rather than embedded in each page and parsed
again for every PDF; the PDF is the same byte for byte.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from reports.files import write_atomically
from reports.model import Report
from reports.render_html import stylesheet, to_html

STYLESHEETS = ("report.css", "print.css")  # in cascade order: print.css overrides


@contextmanager
def _quiet_weasyprint() -> Iterator[None]:
    """Silence the two deprecation warnings WeasyPrint 70 is known to give, and only those: on
    import, when the system lacks libharfbuzz-subset (WeasyPrint then subsets fonts with
    fontTools, which is what we want); and fontTools' own deprecations while it subsets.
    Anything else still warns, and under pytest's ``filterwarnings = error`` fails."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning
        )
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="fontTools")
        yield


def _weasyprint() -> ModuleType:
    # Imported on first use: it loads Pango through cffi, which only PDF output needs.
    with _quiet_weasyprint():
        import weasyprint

    return weasyprint


@lru_cache(maxsize=1)
def _styles() -> tuple[Any, tuple[Any, ...]]:
    """The font configuration and the parsed stylesheets every PDF of this process shares.

    WeasyPrint applies stylesheets given this way with the user's precedence rather than the
    author's; the only author styles left in the page are its ``style`` attributes (column
    widths), which win either way, and no rule is ``!important``, so every computed style is
    the one the embedded stylesheets gave."""
    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    with _quiet_weasyprint():
        sheets = tuple(
            weasyprint.CSS(string=str(stylesheet(name)), font_config=fonts, url_fetcher=fetcher)
            for name in STYLESHEETS
        )
    return fonts, sheets


def prepare() -> None:
    """Import WeasyPrint and parse the stylesheets now, ahead of this process's first PDF."""
    _styles()


def to_pdf_bytes(report: Report) -> bytes:
    """The report as PDF bytes (A4, tagged for screen readers, title from the report)."""
    weasyprint = _weasyprint()
    fonts, sheets = _styles()
    html = to_html(report, phone=False, breaks=True, css=False)
    with _quiet_weasyprint():
        document = weasyprint.HTML(
            string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols=())
        )
        pdf: bytes = document.write_pdf(pdf_tags=True, stylesheets=sheets, font_config=fonts)
    return pdf


def render(report: Report, out: Path) -> Path:
    """Write the report as a PDF at ``out``; returns ``out``."""
    return write_atomically(out, to_pdf_bytes(report))
