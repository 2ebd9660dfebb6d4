"""Write output files all-or-nothing: never a half file, never an unasked overwrite."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError, RefusedOverwrite

# Every temporary file we make beside a target is named `.letters-tmp-<pid>-<random>.<name>`,
# so one left by a process that was killed is known for ours and cleared on the next write.
TEMP_PREFIX = ".letters-tmp-"
_TEMP_NAME = re.compile(r"^\.letters-tmp-(?P<pid>[0-9]{1,10})-[0-9a-f]{16}\.")
STALE_AFTER_SECONDS = 3600


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_name(path: Path) -> Path:
    return path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}.{path.name}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # a process of another user's: leave its files alone
    return True


def clear_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Remove our temporary files in `folder` left by a process that was killed; return them.

    Only regular files named as ours are touched, and only when the process that made them
    is gone or they are more than an hour old.
    """
    now = time.time() if now is None else now
    cleared: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return cleared
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS
            if old or not _alive(int(match["pid"])):
                os.unlink(entry.path)
                cleared.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove: never a reason to fail a write
    return cleared


def _stage(path: Path, content: bytes) -> Path:
    """Write `content` to a hidden temporary file beside `path` and return its name."""
    temp = _temp_name(path)
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
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
    backup = _temp_name(path)
    try:
        os.link(path, backup)
    except OSError:  # a file system without hard links
        shutil.copy2(path, backup)
    return backup


@contextlib.contextmanager
def writing(files: dict[Path, bytes], force: bool = False) -> Iterator[list[Path]]:
    """Write every file or none, and take them all back if the block inside raises.

    Each file is staged as a temporary file, then all are renamed into place. Existing files
    are refused unless `force`; if a rename fails, or the caller's block fails (the register
    refused the draft), files that were there before are put back as they were and new ones
    are removed.
    """
    if not force:
        existing = [path for path in files if path.exists()]
        if existing:
            raise RefusedOverwrite(existing)
    staged: list[tuple[Path, Path]] = []
    placed: list[tuple[Path, Path | None]] = []
    backups: list[Path] = []
    unrestored: set[Path] = set()  # backups that could not be put back are kept, not lost
    made: list[Path] = []  # folders made for the files, removed again if nothing is kept

    def unmake() -> None:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()

    def cleanup() -> None:
        for leftover in [temp for temp, _ in staged] + backups:
            if leftover in unrestored:
                continue
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()

    def undo() -> None:
        for done, backup in reversed(placed):
            try:
                if backup is not None:
                    os.replace(backup, done)
                else:
                    done.unlink(missing_ok=True)
            except OSError:
                if backup is not None:
                    unrestored.add(backup)

    try:
        for folder in dict.fromkeys(path.parent for path in files):
            clear_stale_temporaries(folder)
        for path, content in files.items():
            try:
                missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
                path.parent.mkdir(parents=True, exist_ok=True)
                made.extend(p for p in reversed(missing) if p not in made)
                staged.append((_stage(path, content), path))
            except OSError as exc:
                for temp, _ in staged:
                    temp.unlink(missing_ok=True)
                unmake()
                raise OutputError(f"{path}: cannot be written ({exc.strerror})") from None
        try:
            for temp, path in staged:
                backup = _backup(path) if path.exists() else None
                if backup is not None:
                    backups.append(backup)
                os.replace(temp, path)
                placed.append((path, backup))
        except OSError as exc:
            undo()
            cleanup()
            unmake()
            raise OutputError(
                f"{path}: cannot be written ({exc.strerror}); no file was changed"
            ) from None
        try:
            yield list(files)
        except BaseException:
            undo()
            cleanup()
            unmake()
            raise
    finally:
        cleanup()


def write_files(files: dict[Path, bytes], force: bool = False) -> list[Path]:
    """Write every file or none: stage each as a temp file, then rename them all into place.

    Existing files are refused unless `force`; if any rename fails, the files already
    renamed are put back as they were.
    """
    with writing(files, force) as written:
        return written
