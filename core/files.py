"""Scenario files: read with one clear line per failure, written whole or not at all.

Reading never blocks: only regular files of at most ``MAX_FILE_BYTES`` are read, and a named
pipe, a device or a folder is refused before anything waits on it (on the command line and on
the window's thread alike).

Writing keeps the file as the person made it: its permissions stay, a symbolic link is written
through to its target, a read-only file is refused, and the temporary name beside it is short,
so a file name near the system's limit still saves.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from core.scenario import MAX_FILE_BYTES, MAX_FILE_SIZE_IN_WORDS, Scenario, ScenarioError, printable, scenario_from_json

# Opening a FIFO for reading waits for a writer unless O_NONBLOCK is set; a regular file
# ignores the flag. Windows has neither FIFOs nor the flag.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_WRITE_FLAGS = os.O_WRONLY | getattr(os, "O_BINARY", 0)
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


class UnsuitableFile(OSError):
    """A path that is there but is no file to read or write (a FIFO, a device, too big, read-only).

    Its ``strerror`` is the whole reason in plain words, to follow the file's name.
    """


class BadScenarioFile(Exception):
    """A file that cannot be read as a scenario: one printable line that names the file and the field.

    ``path`` is the file; ``field`` the dotted name of the field at fault (``""`` when the whole
    file is); ``reason`` the plain-words reason, without the file's name.
    """

    def __init__(self, path: str | Path, reason: str, field: str = ""):
        self.path = Path(path)
        self.field = field
        self.reason = reason
        where = f"{printable(str(path))}: " + (f"{field}: " if field else "")
        super().__init__(where + reason)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file, turning every failure into one line that names the file."""
    try:
        data = read_small_file(path)
    except OSError as exc:
        raise BadScenarioFile(path, _why_unreadable(exc)) from None
    except ValueError:  # Python refuses a name holding a NUL character before asking the system
        raise BadScenarioFile(path, "is not a possible file name: it holds a NUL character") from None
    try:
        return scenario_from_json(data)
    except ScenarioError as exc:
        raise BadScenarioFile(path, exc.message, exc.field) from None


def read_small_file(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; OSError with a plain reason otherwise.

    Never blocks: a FIFO, a device or a folder is refused by what ``stat`` says before it is
    opened, and the opened descriptor is checked again (the path may have changed in between).
    """
    _check_readable_kind(path, os.stat(path))
    descriptor = os.open(path, _READ_FLAGS)
    try:
        status = os.fstat(descriptor)
        _check_readable_kind(path, status)
        if status.st_size > limit:
            raise _too_big(path, status.st_size)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # the file grew while it was read
            raise _too_big(path, size)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _check_readable_kind(path: str | Path, status: os.stat_result) -> None:
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a scenario file", str(path))
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "something other than a file"
    )
    raise UnsuitableFile(errno.EINVAL, f"is {kind}, not a scenario file; EpochScope reads only ordinary files", str(path))


def _too_big(path: str | Path, size: int) -> OSError:
    return UnsuitableFile(
        errno.EFBIG,
        f"is {size:,} bytes; a scenario file is a few lines, and EpochScope reads at most {MAX_FILE_SIZE_IN_WORDS}",
        str(path),
    )


def _why_unreadable(exc: OSError) -> str:
    """An OSError said in plain words (our own reasons pass through as they are)."""
    if isinstance(exc, UnsuitableFile):
        return exc.strerror
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a scenario file"
    if isinstance(exc, PermissionError):
        return "cannot be read: you do not have permission to read it"
    return f"cannot be read: {printable(exc.strerror or str(exc))}"


# ---------------------------------------------------------------- writing


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, keeping the file as it was made.

    The bytes go to a short-named temporary file beside the target, are flushed to disk, and
    the temporary file is renamed over the target, so a crash leaves the old file or the new
    one, never half of either. A symbolic link is followed: its target is written, the link
    stays. The target's permissions (and, where allowed, owner and group) carry over. A
    read-only target is refused (UnsuitableFile). A target with other hard links is
    rewritten in place (a rename would cut it off from its other names): see _copy_in_place.
    """
    target = Path(os.path.realpath(path))
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None:
        if not stat.S_ISREG(existing.st_mode):
            raise UnsuitableFile(errno.EINVAL, "is not an ordinary file, so EpochScope does not write over it", str(path))
        if not existing.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise UnsuitableFile(
                errno.EACCES,
                "is read-only, so EpochScope left it as it was; save under another name, or make it writable first",
                str(path),
            )
    temporary, descriptor = _create_temporary(target.parent)
    try:
        with os.fdopen(descriptor, "wb") as out:
            if existing is not None:
                _copy_permissions(out.fileno(), temporary, existing)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if existing is None or existing.st_nlink == 1:
            os.replace(temporary, target)
            _sync_folder(target.parent)
            return
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _copy_in_place(temporary, target, data)  # keeps the temporary file if it fails
    os.unlink(temporary)


def _create_temporary(folder: Path) -> tuple[Path, int]:
    """A new file with a short random name in ``folder``: ``.es-0123abcd.tmp`` (16 characters).

    The name must stay short so that a target whose own name is near the system's limit (255
    bytes) still saves. It is created with 0o666 so that the umask gives a new file the usual
    permissions, as any editor's would have.
    """
    for _attempt in range(100):
        temporary = folder / f".es-{os.urandom(4).hex()}.tmp"
        try:
            return temporary, os.open(temporary, _NEW_FILE_FLAGS, 0o666)
        except FileExistsError:
            continue
        except PermissionError:
            raise UnsuitableFile(
                errno.EACCES,
                "cannot be saved there: its folder is read-only (EpochScope writes the new file beside the old one "
                "first, so that a crash never leaves half a file)",
                str(folder),
            ) from None
    raise FileExistsError(errno.EEXIST, "no free temporary name in the folder", str(folder))


def _copy_permissions(descriptor: int, temporary: Path, existing: os.stat_result) -> None:
    if hasattr(os, "fchown") and (existing.st_uid, existing.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(OSError):  # only the owner's group, or root, may hand it on
            os.fchown(descriptor, existing.st_uid, existing.st_gid)
    os.chmod(temporary, stat.S_IMODE(existing.st_mode))


def _copy_in_place(temporary: Path, target: Path, data: bytes) -> None:
    """Rewrite a hard-linked file in place, after the temporary copy is safely on disk.

    A rename would give only this name the new content and leave the other links holding the
    old one. Writing in place keeps every link, at the price of atomicity: if the system stops
    part way, the file may be half written. The complete new content is already on disk in the
    temporary file by then, so if this write fails that file is kept and the error names it.
    """
    try:
        descriptor = os.open(target, _WRITE_FLAGS)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.ftruncate(descriptor, len(data))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as exc:
        raise OSError(
            exc.errno,
            f"{exc.strerror or exc} while rewriting the file in place; the full new content is in {temporary}",
            str(target),
        ) from exc


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (POSIX); Windows cannot open a folder, and needs nothing."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def save_scenario(path: str | Path, scenario: Scenario) -> None:
    write_atomically(path, scenario.to_json().encode("utf-8"))
