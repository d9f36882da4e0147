"""kazind: an auditable record and stock-and-flow model of Kazakhstan's industrialization.

Layers, each depending only on those above it in this list:
``common`` (errors, YAML, files), ``record`` (facts, places, the source text),
``engine`` (model spec, expression compiler, batched simulator, export),
``model`` (the Kazakhstan model), ``scenarios``, ``analysis``, ``explorer``.
"""

__version__ = "0.1.0"
