"""Check that a request fits the machine before allocating for it.

A run, an ensemble or a sensitivity analysis estimates the bytes it will hold (runs x
steps x stored values, see the callers) and calls :func:`require_memory` first; a
request that will not fit is refused with the estimate and what to change, instead of
dying later with a NumPy ``MemoryError`` (or being killed by the system) after minutes
of work. Outputs streamed to disk check the free space with :func:`require_disk`.

The memory available is what the system reports as available (``psutil``, which
Dask's ``distributed`` depends on; ``/proc/meminfo`` otherwise), capped by a cgroup
(container) limit if there is one, and by ``$KAZIND_MEMORY_LIMIT`` (bytes, or a size
such as ``4GiB``) for a user sharing a machine. A request may use
:data:`BUDGET_FRACTION` of it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from kazind.common.errors import KazindError

__all__ = [
    "BUDGET_FRACTION",
    "ENV_LIMIT",
    "available_memory",
    "format_bytes",
    "memory_budget",
    "parse_size",
    "require_disk",
    "require_memory",
]

ENV_LIMIT = "KAZIND_MEMORY_LIMIT"
#: Share of the available memory one request may plan to hold.
BUDGET_FRACTION = 0.7
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1e3,
    "kb": 1e3,
    "kib": 2**10,
    "m": 1e6,
    "mb": 1e6,
    "mib": 2**20,
    "g": 1e9,
    "gb": 1e9,
    "gib": 2**30,
    "t": 1e12,
    "tb": 1e12,
    "tib": 2**40,
}


def parse_size(text: str, what: str = ENV_LIMIT) -> int:
    """Bytes from ``"4GiB"``, ``"500 MB"`` or ``"1073741824"``."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", text or "")
    if m is None or m.group(2).lower() not in _UNITS:
        raise KazindError(f"{what}: not a size such as 4GiB or 500MB: {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def _cgroup_room() -> int | None:
    """Bytes the process's cgroup still allows, or None without a limit."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or not limit.isdigit() or int(limit) >= 2**60:
            return None
        return max(0, int(limit) - usage)
    return None


def _system_available() -> int:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # psutil missing or failing: read the kernel's own figure
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def available_memory() -> int:
    """Bytes of memory this process may still use (see the module docstring)."""
    room = _system_available()
    cgroup = _cgroup_room()
    if cgroup is not None:
        room = min(room, cgroup)
    limit = os.environ.get(ENV_LIMIT, "").strip()
    if limit:
        room = min(room, parse_size(limit))
    return room


def memory_budget() -> int:
    """Bytes one request may plan to hold."""
    return int(available_memory() * BUDGET_FRACTION)


def format_bytes(n: float) -> str:
    """``1.5 GiB``, ``410 GiB``, ``12 MiB``."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
    return f"{int(n)} bytes"


def require_memory(nbytes: float, what: str, suggestion: str) -> None:
    """Refuse ``what`` (one line, with the estimate and ``suggestion``) if it needs more
    than :func:`memory_budget`."""
    budget = memory_budget()
    if nbytes > budget:
        raise KazindError(
            f"{what} needs about {format_bytes(nbytes)} of memory, more than the "
            f"{format_bytes(budget)} this machine can give it; {suggestion}"
        )


def require_disk(nbytes: float, folder: str | Path, what: str, suggestion: str) -> None:
    """Refuse ``what`` if the file system of ``folder`` (or its nearest existing
    ancestor) has less than ``nbytes`` free."""
    probe = Path(folder)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    if nbytes > free:
        raise KazindError(
            f"{what} writes about {format_bytes(nbytes)}, more than the {format_bytes(free)} "
            f"free on the disk of {str(folder)!r}; {suggestion}"
        )
