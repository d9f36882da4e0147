"""Results read from a file, kept until the file changes.

An ensemble, a sensitivity analysis and the explorer ask for the calibrated parameters
on every call; reading and checking the YAML each time cost more than the runs. A
function decorated with :func:`by_file` is called again only when its file's
modification time or size changed (or it appeared or went), so a new ``kazind
calibrate`` is seen at once. Results are shared: callers must not change them.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["by_file"]

T = TypeVar("T")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def by_file(fn: Callable[..., T]) -> Callable[..., T]:
    """Cache ``fn(path)`` by the path and the file's modification time and size."""
    cache: dict[str, tuple[Any, T]] = {}
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(path: str | Path, *args: Any) -> T:
        key = os.path.abspath(os.fspath(path))
        stamp = (_stamp(Path(key)), args)
        with lock:
            hit = cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = fn(path, *args)
        with lock:
            if len(cache) > 32:
                cache.clear()
            cache[key] = (stamp, value)
        return value

    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper
