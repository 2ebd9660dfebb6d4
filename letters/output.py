"""Write output files all-or-nothing: never a half file, never an unasked overwrite."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import OutputError, RefusedOverwrite


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_files(files: dict[Path, bytes], force: bool = False) -> list[Path]:
    """Write every file atomically (temp file, then rename); refuse to overwrite unless `force`."""
    if not force:
        existing = [path for path in files if path.exists()]
        if existing:
            raise RefusedOverwrite(existing)
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in files.items():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
                staged.append((Path(temp), path))
                with os.fdopen(handle, "wb") as stream:
                    stream.write(content)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(temp, 0o666 & ~_umask())
            except OSError as exc:
                raise OutputError(f"{path}: cannot be written ({exc.strerror})") from None
        # Everything is on disk; only now do the files take their real names.
        for temp, path in staged:
            os.replace(temp, path)
    finally:
        for temp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    return list(files)
