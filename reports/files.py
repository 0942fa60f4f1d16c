"""Every file qiscan writes is written whole or not at all, and is its owner's only.

A file that a crash leaves half-written looks like a report or a table and is not one, so each
is written beside its destination under a temporary name and renamed into place: a reader sees
the old file or the new one, never a fragment. What qiscan writes holds respondent data
(answers, statistics, reports with open-text answers, invitation lists with e-mail addresses),
so every file is owner-only (0600) whatever the umask; share one deliberately.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary owner-only path beside ``out``, renamed onto ``out`` when the block
    succeeds and removed when it raises (an existing ``out`` is then left as it was)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.fchmod(handle, PRIVATE_FILE)  # mkstemp's mode today, said here rather than assumed
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, PRIVATE_FILE)  # whatever wrote it may have made it anew
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomically(out: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, line endings as given) to ``out``, whole or not at all,
    owner-only."""
    with replacing(out) as temporary:
        if isinstance(data, str):
            with temporary.open("w", encoding="utf-8", newline="") as handle:
                handle.write(data)
        else:
            temporary.write_bytes(data)
    return out
