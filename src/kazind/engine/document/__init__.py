"""kazind.engine.document: documentation of a model: a table of its variables and stock-and-flow diagrams.

From a :class:`~kazind.engine.spec.ModelSpec` (and, optionally, a mapping variable ->
sector name) this package produces

- a description of every variable: name, kind, dims, unit, definition (equation, value,
  initial value and flows, lookup points or a summary of a time series), bounds,
  description, source, and the cross-references "uses" (the names its definition
  depends on) and "used by";
- one stock-and-flow diagram per sector, as SVG laid out here (no Graphviz, nothing
  fetched), and an overview diagram of the sectors and the links between them;
- a self-contained HTML page (:func:`to_html`) or Markdown with the diagrams as
  separate SVG files (:func:`to_markdown`).

It knows nothing of any particular model; sectors are whatever the caller names.

Diagram layout (deterministic, so a page changes only when the model does):

- the *band* in the middle holds the stocks of the sector in a row, ordered so that
  stocks joined by a flow sit side by side; a flow between neighbours is a horizontal
  double-line pipe with a valve between the two boxes; a flow from outside (a cloud,
  or a stock of another sector, named in grey under the cloud) comes down into the
  top of its stock, a flow to outside goes down from its bottom; a flow between stocks
  that are not neighbours runs in a lane below the band. Flows of the sector whose
  stocks all lie in other sectors stand alone, from cloud to cloud;
- auxiliaries, constants, lookups and time series are circles (constants diamonds)
  with their name beside them, in rows: those that feed a flow above the band, the
  farther from the flow the higher; the rest below, the farther from the band the
  lower. Within a row nodes are placed near the mean position of what they connect to,
  and a row that is too wide is wrapped;
- names of other sectors that the sector uses are grey "shadow" nodes placed like
  constants; information links are thin curved arrows from a dependency to its user.

A sector with more than :data:`MAX_DRAWN` nodes is drawn without its shadow nodes,
and if still too large with only the stocks, flows and the variables that feed flows
(directly or not); what is not drawn is listed under the diagram.

The package keeps its three stages apart: :mod:`.data` (what is said about each
variable), :mod:`.layout` (the SVG diagrams) and :mod:`.render` (HTML and Markdown).
"""

from __future__ import annotations

from kazind.engine.document.data import ModelDoc, VariableDoc, describe, slug
from kazind.engine.document.layout import (
    MAX_DRAWN,
    SectorDiagram,
    overview_diagram,
    sector_diagram,
    sector_links,
)
from kazind.engine.document.render import to_html, to_markdown

__all__ = [
    "MAX_DRAWN",
    "ModelDoc",
    "SectorDiagram",
    "VariableDoc",
    "describe",
    "overview_diagram",
    "sector_diagram",
    "sector_links",
    "slug",
    "to_html",
    "to_markdown",
]
