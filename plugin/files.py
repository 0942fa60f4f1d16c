"""Writing output files so that a failure never leaves half a file behind.

What qiscan writes holds respondent data (answers, statistics, invitation lists with e-mail
addresses), so a file is its owner's only (0600), whatever the umask; share it deliberately.
(Report files are written whole by :mod:`reports.bundle`, with the umask's mode; the service
keeps its reports in the instance's owner-only folder.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place, owner-only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, PRIVATE_FILE)  # mkstemp's mode today, said here rather than assumed
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
