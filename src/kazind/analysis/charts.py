"""The frame shared by the analysis layer's PNG charts: a grid of panels, written atomically.

PNGs are drawn with matplotlib because plotly 7.1 can export images only through
kaleido >= 1, which needs an installed Chrome (see README).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path

from kazind.common.atomic import atomic_path


@contextlib.contextmanager
def panel_grid(path: str | Path, panels: int, panel_size: tuple[float, float]) -> Iterator[tuple]:
    """Yield ``(fig, axes)`` with one axis per panel, two columns wide; on leaving the
    block, blank the spare cells, lay the figure out and write it to ``path`` as PNG,
    atomically. The figure is closed whatever happens."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 2 if panels > 1 else 1
    rows = math.ceil(panels / cols)
    fig, grid = plt.subplots(rows, cols, figsize=(panel_size[0] * cols, panel_size[1] * rows), squeeze=False)
    try:
        yield fig, [grid[i // cols][i % cols] for i in range(panels)]
        for j in range(panels, rows * cols):
            grid[j // cols][j % cols].axis("off")
        fig.tight_layout(rect=(0, 0, 1, 0.97))
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110)
    finally:
        plt.close(fig)
