"""Writing files so that they are either whole or absent.

Scenario files, saved replications, reports and exported tables are all written the same way:
to a temporary file beside the target, flushed to disk, then renamed over it.  A run cut short
(an interrupt, a full disk, a crash) leaves the old file or none, never half of a new one, so a
resumed experiment never reads a broken replication and an administrator never opens a truncated
scenario.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_MARK = ".tmp"
"""Temporary files are named ``.<name>.<writer's pid>-<random>.tmp<suffix>``: hidden, and easy to sweep
up once their writer is gone (a process killed while writing cannot remove its own)."""
_WRITER = re.compile(r"\.(\d+)-[^.]*" + re.escape(TEMP_MARK))


def write_atomic(path: str | os.PathLike[str], content: str | bytes | Callable[[Path], object]) -> Path:
    """Write ``content`` to ``path`` atomically; returns the path.

    ``content`` is text (written as UTF-8, line ends as given), bytes, or a function that writes
    the file at the path it is given (for writers such as ``DataFrame.to_csv`` or an Excel
    writer; the temporary file keeps the target's suffix for them).  A file that already exists
    keeps its permissions; a new one gets the usual ``rw-r--r--``, not ``mkstemp``'s private ones.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=TEMP_MARK + path.suffix)
    os.close(fd)
    temp = Path(name)
    try:
        if callable(content):
            content(temp)
        else:
            temp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        with temp.open("r+b") as handle:  # on disk before the rename, so a crash cannot leave it empty
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return path


def remove_stale(folder: str | os.PathLike[str], name_pattern: str = "*") -> None:
    """Delete temporary files left in ``folder`` by writes to ``name_pattern`` that were cut short.

    A temporary file is left alone while the process writing it still runs (another run writing
    into the same folder), and removed once that process is gone.
    """
    for stale in Path(folder).glob(f".{name_pattern}.*{TEMP_MARK}*"):
        writer = _WRITER.search(stale.name)
        if writer and _running(int(writer.group(1))):
            continue
        with contextlib.suppress(OSError):
            stale.unlink()


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (this one included: its writes may be under way in another thread)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # another user's process, or a platform that cannot tell: keep it
        return True
    return True
