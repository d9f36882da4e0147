"""Dependency order and algebraic-loop detection.

Evaluation order is a topological order of "this value needs that value". Stocks (and
the hidden stocks of smooths and delays) are computed from the previous step, so
they are not part of the graph and break loops; a cycle left among auxiliaries and
flows is an algebraic loop, reported as ``a -> b -> c -> a``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from kazind.engine.errors import EngineError

K = TypeVar("K", bound=Hashable)


def topological_order(
    nodes: Sequence[K],
    deps: Mapping[K, Iterable[K]],
    label: Callable[[K], str] = str,
    what: str = "algebraic loop",
) -> list[K]:
    """``nodes`` ordered so that each comes after everything it depends on.

    Dependencies outside ``nodes`` are ignored. The order is deterministic: among
    nodes that could go next, the one listed first in ``nodes`` goes first (a
    depth-first post-order). A cycle raises :class:`EngineError` naming its members in
    order, e.g. ``algebraic loop: a -> b -> a``, located at the first member.
    Iterative, so that long chains do not hit the recursion limit.
    """
    pos = {n: i for i, n in enumerate(nodes)}
    state: dict[K, int] = {}  # 1 = on the current path, 2 = done
    order: list[K] = []
    for root in nodes:
        if state.get(root):
            continue
        path: list[K] = [root]
        iters = [iter(_sorted_deps(root, deps, pos))]
        state[root] = 1
        while path:
            for dep in iters[-1]:
                mark = state.get(dep)
                if mark == 2:
                    continue
                if mark == 1:
                    cycle = path[path.index(dep) :] + [dep]
                    raise cycle_error(cycle, label, what)
                state[dep] = 1
                path.append(dep)
                iters.append(iter(_sorted_deps(dep, deps, pos)))
                break
            else:
                done = path.pop()
                iters.pop()
                state[done] = 2
                order.append(done)
    return order


def _sorted_deps(node: K, deps: Mapping[K, Iterable[K]], pos: dict[K, int]) -> list[K]:
    """The dependencies of ``node`` that are graph members, in ``nodes`` order."""
    return sorted((d for d in set(deps.get(node, ())) if d in pos), key=pos.__getitem__)


_HINTS = {
    "algebraic loop": "break it with a stock, smooth or delay",
    "loop among initial values": "give the stocks, smooths or delays on it an initial value "
    "that does not depend on the loop",
}


def cycle_error(cycle: list, label: Callable, what: str) -> EngineError:
    """An :class:`EngineError` showing ``cycle`` as ``a -> b -> a`` (repeats collapsed)."""
    names: list[str] = []
    for node in cycle:
        text = label(node)
        if not names or names[-1] != text:
            names.append(text)
    if len(names) == 1:
        names.append(names[0])
    first = names[0].split("[")[0]
    return EngineError(
        f"{what}: {' -> '.join(names)} ({_HINTS.get(what, _HINTS['algebraic loop'])})",
        where=f"variable {first!r}",
    )
