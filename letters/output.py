"""Write output files all-or-nothing: never a half file, never an unasked overwrite."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .errors import OutputError, RefusedOverwrite


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stage(path: Path, content: bytes) -> Path:
    """Write `content` to a hidden temporary file beside `path` and return its name."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o666 & ~_umask())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _backup(path: Path) -> Path:
    """Keep the current content of `path` under a hidden name, in case we must put it back."""
    backup = path.with_name(f".{path.name}.{os.getpid()}.bak")
    backup.unlink(missing_ok=True)
    try:
        os.link(path, backup)
    except OSError:  # a file system without hard links
        shutil.copy2(path, backup)
    return backup


def write_files(files: dict[Path, bytes], force: bool = False) -> list[Path]:
    """Write every file or none: stage each as a temp file, then rename them all into place.

    Existing files are refused unless `force`; if any rename fails, the files already
    renamed are put back as they were.
    """
    if not force:
        existing = [path for path in files if path.exists()]
        if existing:
            raise RefusedOverwrite(existing)
    staged: list[tuple[Path, Path]] = []
    placed: list[tuple[Path, Path | None]] = []
    backups: list[Path] = []
    try:
        for path, content in files.items():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                staged.append((_stage(path, content), path))
            except OSError as exc:
                raise OutputError(f"{path}: cannot be written ({exc.strerror})") from None
        try:
            for temp, path in staged:
                backup = _backup(path) if path.exists() else None
                if backup is not None:
                    backups.append(backup)
                os.replace(temp, path)
                placed.append((path, backup))
        except OSError as exc:
            for done, backup in reversed(placed):
                if backup is not None:
                    os.replace(backup, done)
                else:
                    done.unlink(missing_ok=True)
            raise OutputError(
                f"{path}: cannot be written ({exc.strerror}); no file was changed"
            ) from None
    finally:
        for leftover in [temp for temp, _ in staged] + backups:
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return list(files)
