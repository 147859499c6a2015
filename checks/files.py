"""Writing a file so that a reader never sees half of it: the kit's one way to do that.

Every file the kit writes for someone else to read (results.json, grades.csv, a student's
feedback, a zip) goes through ``atomic``: the data go to a temporary file in the same folder,
which then replaces the target in one ``os.replace``. A crash, a kill or a full disk leaves
either the old file or the new one, never a truncated one, and no temporary file behind.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, Union


@contextlib.contextmanager
def atomic(path: Union[str, Path], mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``path`` (with ``mode``).

    The folder of ``path`` is created if needed. If the block raises, the temporary file is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: name the file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=str(path.parent))
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_text(path: Union[str, Path], text: str, mode: int = 0o644) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns ``path``."""
    with atomic(path, mode) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: Union[str, Path], data: bytes, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path``."""
    with atomic(path, mode) as temporary:
        temporary.write_bytes(data)
    return Path(path)
