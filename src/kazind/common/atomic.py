"""Write files so that a failure never leaves one half-written, and never where it must not.

Every file kazind writes goes through this module:

- :func:`check_output_file` and :func:`check_output_dir` say, before any work starts,
  whether a path may be written: its parent is (or can be made) a writable directory;
  a file target is absent or a regular file, never a device, FIFO, socket, symlink or
  directory; nothing under ``/proc``, ``/sys`` or ``/dev``. Each refusal is one
  :class:`~kazind.common.KazindError` line naming the path.
- :func:`atomic_write` / :func:`atomic_path` write one file to a temporary file beside
  it and rename it over the target when the block succeeds (both check the target
  again first, so no writer can replace a device or follow a symlink). A failure
  removes the temporary file and leaves the target untouched; an ``OSError`` (a full
  disk) becomes one line.
- :class:`OutputSet` writes several files into one folder as a set (a run's, an
  ensemble's): each is written into a hidden staging folder inside it, and at
  :meth:`OutputSet.commit` the old manifest is removed, the files are renamed into
  place and the manifest (``MANIFEST_NAME``: every file with its size and sha256) is
  written last. A process killed at any moment thus leaves either the previous
  complete set with its manifest, or files without a manifest (an incomplete set is
  never marked complete), and never a partial file at a target path. Staging folders
  of killed processes are removed by the next set written into the folder.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kazind.common.errors import KazindError

__all__ = [
    "MANIFEST_NAME",
    "OutputSet",
    "atomic_path",
    "atomic_write",
    "check_output_dir",
    "check_output_file",
    "read_manifest",
]

#: The file that marks a folder's set of outputs as complete (written last).
MANIFEST_NAME = "kazind-manifest.json"
_STAGING_PREFIX = ".kazind-staging-"
_FORBIDDEN_ROOTS = ("/proc", "/sys", "/dev")


def _umask_mode() -> int:
    """The mode a new file gets under the current umask (mkstemp always uses 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a regular file"


def _forbidden(path: Path) -> str | None:
    """The system folder ``path`` is in (after resolving links), or None."""
    resolved = str(path.resolve(strict=False))
    for root in _FORBIDDEN_ROOTS:
        if resolved == root or resolved.startswith(root + "/"):
            return root
    return None


def _writable_folder(folder: Path, target: Path, option: str) -> None:
    """``folder`` (to hold ``target``) exists as a writable directory, or can be made."""
    probe = folder
    while True:
        try:
            info = probe.stat()
        except FileNotFoundError:
            if probe.parent == probe:
                raise KazindError(
                    f"{option} {str(target)!r}: no existing folder above it"
                ) from None
            probe = probe.parent
            continue
        except NotADirectoryError:
            probe = probe.parent  # a component is a file: found on the way up
            continue
        except OSError as exc:
            raise KazindError(
                f"{option} {str(target)!r}: cannot use {str(probe)!r}: {exc.strerror or exc}"
            ) from None
        break
    if not stat.S_ISDIR(info.st_mode):
        raise KazindError(
            f"{option} {str(target)!r}: {str(probe)!r} is {_kind(info.st_mode)}, not a folder"
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise KazindError(f"{option} {str(target)!r}: the folder {str(probe)!r} is not writable")
    try:
        if os.statvfs(probe).f_flag & os.ST_RDONLY:
            raise KazindError(
                f"{option} {str(target)!r}: {str(probe)!r} is on a read-only file system"
            )
    except (AttributeError, OSError):
        pass


def check_output_file(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a file kazind may write (replace), or a one-line KazindError.

    Allowed: an absent path, or a regular file (replaced atomically), in a writable
    folder (made if missing) outside ``/proc``, ``/sys`` and ``/dev``.
    """
    path = Path(path)
    if str(path) in ("", ".") or path.name in ("", ".", ".."):
        raise KazindError(f"{option} {str(path)!r}: give a file name")
    root = _forbidden(path)
    if root is not None:
        raise KazindError(f"{option} {str(path)!r}: kazind never writes under {root}")
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        info = None  # a component is a file: reported by the folder check below
    except OSError as exc:
        raise KazindError(f"{option} {str(path)!r}: {exc.strerror or exc}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        what = _kind(info.st_mode)
        hint = (
            "; give a file name inside it"
            if stat.S_ISDIR(info.st_mode)
            else "; kazind replaces only regular files"
        )
        raise KazindError(f"{option} {str(path)!r} is {what}{hint}")
    _writable_folder(path.parent, path, option)
    return path


def check_output_dir(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a folder kazind may write files into, or a one-line KazindError.

    Allowed: an existing writable directory (or a link to one), or an absent path
    whose nearest existing ancestor is a writable directory; never under ``/proc``,
    ``/sys`` or ``/dev``.
    """
    path = Path(path)
    if str(path) == "":
        raise KazindError(f"{option}: give a folder")
    root = _forbidden(path)
    if root is not None:
        raise KazindError(f"{option} {str(path)!r}: kazind never writes under {root}")
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        info = None
    except OSError as exc:
        raise KazindError(f"{option} {str(path)!r}: {exc.strerror or exc}") from None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise KazindError(
            f"{option} {str(path)!r} exists and is {_kind(info.st_mode)}, not a directory"
        )
    _writable_folder(path, path, option)
    return path


def _cannot_write(path: Path, exc: OSError) -> KazindError:
    return KazindError(f"cannot write {str(path)!r}: {exc.strerror or exc}")


def _mkdir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(folder, exc) from None


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    """
    with _atomic(path, "--out", ".tmp") as tmp:
        binary = "b" in mode
        with open(tmp, mode, encoding=None if binary else encoding) as fh:
            yield fh


def atomic_path(path: str | Path, option: str = "--out") -> contextlib.AbstractContextManager[Path]:
    """Like :func:`atomic_write`, for writers that want a path (NetCDF, PNG); the
    temporary file has the target's suffix, for writers that choose a format by it."""
    return _atomic(path, option, Path(path).suffix)


@contextlib.contextmanager
def _atomic(path: str | Path, option: str, suffix: str) -> Iterator[Path]:
    target = check_output_file(path, option)
    _mkdir(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
        os.close(fd)
        os.chmod(tmp, _umask_mode())
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    try:
        yield Path(tmp)
        check_output_file(target, option)  # nothing special appeared there meanwhile
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _cannot_write(target, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------- sets of files


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OutputSet:
    """Files written into ``folder`` as one set, marked complete by a manifest written last.

    Use as a context manager::

        with OutputSet(out, "kazind ensemble ...") as files:
            write_netcdf(ds, files.stage("ensemble-historical.nc"))
            with atomic_write(files.stage("table.csv")) as fh:
                fh.write(...)
        # here every file is in place and MANIFEST_NAME lists them

    Leaving the block by an exception removes the staging folder (nothing of the set
    is left; the folder's previous files and manifest are untouched).
    """

    def __init__(self, folder: str | Path, command: str = "", option: str = "--out") -> None:
        self.folder = check_output_dir(folder, option)
        self.command = command
        self.option = option
        self.names: list[str] = []
        self.staging: Path | None = None
        self.done = False

    def __enter__(self) -> OutputSet:
        _mkdir(self.folder)
        self._sweep()
        try:
            self.staging = Path(
                tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", dir=self.folder)
            )
        except OSError as exc:
            raise _cannot_write(self.folder, exc) from None
        return self

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None and not self.done:
                self.commit()
        finally:
            self._remove_staging()

    def _sweep(self) -> None:
        """Remove staging folders left by killed kazind processes."""
        for entry in self.folder.glob(f"{_STAGING_PREFIX}*"):
            pid = entry.name[len(_STAGING_PREFIX) :].split("-", 1)[0]
            if (
                pid.isdigit()
                and not _pid_alive(int(pid))
                and entry.is_dir()
                and not entry.is_symlink()
            ):
                shutil.rmtree(entry, ignore_errors=True)

    def _remove_staging(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None

    def stage(self, name: str) -> Path:
        """The staging path of the file ``name`` of the set: write it there (with
        :func:`atomic_write` or :func:`atomic_path`, or directly); :meth:`commit` moves
        it to :meth:`target`."""
        if self.staging is None:
            raise RuntimeError("OutputSet used outside its 'with' block")
        if not name or "/" in name or name.startswith(".") or name == MANIFEST_NAME:
            raise KazindError(f"{name!r} is not a file name kazind writes")
        check_output_file(self.folder / name, self.option)
        if name not in self.names:
            self.names.append(name)
        return self.staging / name

    def target(self, name: str) -> Path:
        """Where ``name`` will be once the set is complete."""
        return self.folder / name

    def commit(self) -> list[Path]:
        """Move every staged file into place, then write the manifest; return the paths."""
        if self.staging is None:
            raise RuntimeError("OutputSet used outside its 'with' block")
        files = []
        try:
            for name in self.names:
                staged = self.staging / name
                if not staged.exists():
                    raise KazindError(f"{name}: the file of the set was not written")
                files.append(
                    {"name": name, "bytes": staged.stat().st_size, "sha256": _sha256(staged)}
                )
            manifest = self.folder / MANIFEST_NAME
            with contextlib.suppress(FileNotFoundError):
                manifest.unlink()  # from here until the new one exists the folder is incomplete
            for name in self.names:
                target = check_output_file(self.folder / name, self.option)
                os.replace(self.staging / name, target)
            doc = {
                "complete": True,
                "command": self.command,
                "written": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "files": files,
            }
            with atomic_write(manifest) as fh:
                json.dump(doc, fh, ensure_ascii=False, indent=1)
                fh.write("\n")
        except OSError as exc:
            raise _cannot_write(self.folder, exc) from None
        self.done = True
        return [self.folder / name for name in self.names]


def read_manifest(folder: str | Path) -> dict | None:
    """The manifest of ``folder`` (its last complete set), or None if there is none."""
    path = Path(folder) / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
