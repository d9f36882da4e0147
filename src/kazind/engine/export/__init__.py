"""Export a model spec for other tools: Vensim ``.mdl`` (:mod:`.vensim`) and XMILE 1.0
(:mod:`.xmile`), siblings printing through one expression printer (:mod:`.printer`).
"""

from __future__ import annotations

from kazind.engine.export.vensim import to_vensim, write_vensim
from kazind.engine.export.xmile import XMILE_NS, to_xmile, write_xmile

__all__ = ["XMILE_NS", "to_vensim", "to_xmile", "write_vensim", "write_xmile"]
