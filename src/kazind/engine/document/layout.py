"""Stock-and-flow diagrams of a documented model, laid out as SVG here (no Graphviz):
one per sector and an overview of the sectors (the layout rules are in the package's
docstring)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from kazind.engine.document.data import ModelDoc, slug
from kazind.engine.spec import ModelSpec

#: Most nodes a sector diagram draws before it leaves shadows and then outputs out.
MAX_DRAWN = 40
#: Width (px) beyond which a row of nodes is wrapped.
MAX_ROW_WIDTH = 1280
#: Labels use a monospace font so that their width is known without font metrics.
FONT_SIZE = 11
CHAR_WIDTH = FONT_SIZE * 0.6
SVG_NS = "http://www.w3.org/2000/svg"


# ---------------------------------------------------------------------------------------
# SVG helpers
# ---------------------------------------------------------------------------------------


def _tw(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _x(value: object) -> str:
    """Text for an SVG/HTML attribute or element body."""
    return html.escape(str(value), quote=True)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _href(name: str, link: bool) -> tuple[str, str]:
    if not link:
        return "", ""
    return f'<a href="#var-{_x(name)}">', "</a>"


_SVG_STYLE = (
    "text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:11px;fill:#222;"
    "paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}"
    ".shadow text{fill:#8a8a8a;font-style:italic}"
    ".stock rect{fill:#eef4fb;stroke:#2f5d8a;stroke-width:1.5}"
    ".pipe{fill:none;stroke:#2f5d8a;stroke-width:5}"
    ".pipe-in{fill:none;stroke:#fff;stroke-width:2}"
    ".valve path{fill:#fff;stroke:#2f5d8a;stroke-width:1.3}"
    ".shadowflow .valve path,.shadowflow .pipe{stroke:#9ab}"
    ".cloud{fill:#fff;stroke:#7a8a99;stroke-width:1.2}"
    ".aux circle{fill:#fff;stroke:#444;stroke-width:1.2}"
    ".constant path{fill:#f3e9c6;stroke:#7a6420;stroke-width:1.2}"
    ".series circle,.lookup circle{fill:#fff;stroke:#444;stroke-width:1.2}"
    ".shadow circle{fill:#fff;stroke:#aaa;stroke-dasharray:2 2}"
    ".link{fill:none;stroke:#c0392b;stroke-width:0.9;opacity:0.75}"
    ".sector rect{fill:#f6f8fa;stroke:#2f5d8a;stroke-width:1.2}"
    ".edge{fill:none;stroke:#2f5d8a;opacity:0.55}"
    ".edge.back{stroke:#b5651d;stroke-dasharray:5 3}"
    ".weight{font-size:10px;fill:#555}"
    "a text{text-decoration:none}a:hover text{fill:#c0392b}"
)


def _svg_open(width: float, height: float, title: str, marker: str) -> str:
    return (
        f'<svg xmlns="{SVG_NS}" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-label="{_x(title)}">'
        f"<title>{_x(title)}</title><style>{_SVG_STYLE}</style>"
        f"<defs>{marker}</defs>"
    )


def _marker(mid: str, colour: str) -> str:
    return (
        f'<marker id="{mid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{colour}"/></marker>'
    )


def _curve(x1: float, y1: float, x2: float, y2: float, bend: float = 0.18) -> str:
    """A quadratic curve from (x1, y1) to (x2, y2), bent to the left of its direction."""
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    bend = math.copysign(min(abs(bend), 40.0 / length), bend)  # long links bend at most 40 px
    cx, cy = mx - dy * bend, my + dx * bend
    return f"M{_n(x1)},{_n(y1)} Q{_n(cx)},{_n(cy)} {_n(x2)},{_n(y2)}"


# ---------------------------------------------------------------------------------------
# Sector diagrams
# ---------------------------------------------------------------------------------------


@dataclass
class _Node:
    name: str
    role: str  # stock, flow, aux, constant, lookup, series, shadow
    x: float = 0.0  # centre of the anchor (box centre, valve, circle)
    y: float = 0.0
    w: float = 0.0  # for stocks: box width; for others: total width incl. label
    h: float = 0.0
    shadow: bool = False
    rank: int = 0
    up: bool = False


@dataclass
class SectorDiagram:
    """One sector's diagram: its SVG, and the variables of the sector left undrawn."""

    sector: str
    svg: str
    drawn: list[str]
    not_drawn: list[str]


_ROW_H = 52
_CIRCLE_R = 6
_STOCK_H = 36
_PORT_GAP = 16


def _flow_ends(spec: ModelSpec) -> dict[str, tuple[str | None, str | None]]:
    """Flow -> (stock it drains, stock it fills); None where it is a cloud."""
    ends: dict[str, list[str | None]] = {f.name: [None, None] for f in spec.flows()}
    for stock in spec.stocks():
        for f in stock.outflows:
            ends[f][0] = ends[f][0] or stock.name
        for f in stock.inflows:
            ends[f][1] = ends[f][1] or stock.name
    return {k: (v[0], v[1]) for k, v in ends.items()}


def sector_diagram(doc: ModelDoc, sector: str, link: bool = True) -> SectorDiagram:
    """The stock-and-flow diagram of ``sector`` as an SVG document (text).

    ``link`` wraps each name in a link to ``#var-<name>`` (for the HTML page).
    """
    spec = doc.spec
    members = doc.sectors[sector]
    member_set = set(members)
    kinds = {n: d.kind for n, d in doc.variables.items()}
    ends = _flow_ends(spec)
    stocks = [n for n in members if kinds[n] == "stock"]
    stock_set = set(stocks)
    # flows drawn: the sector's own, and other sectors' flows into or out of its stocks
    flows = [n for n in members if kinds[n] == "flow"]
    for s in stocks:
        var = spec.variable(s)
        for f in var.inflows + var.outflows:
            if f not in flows:
                flows.append(f)
    band = stock_set | set(flows)

    # information links among the nodes of the diagram
    info_members = [n for n in members if n not in band]
    users = [n for n in members if kinds[n] in ("flow", "aux")]
    shadows: list[str] = []
    for u in users:
        for dep in doc.variables[u].equation_uses:
            if dep not in member_set and dep not in band and dep not in shadows:
                shadows.append(dep)

    def edges_among(nodes: set[str]) -> list[tuple[str, str]]:
        return [
            (dep, u)
            for u in users
            if u in nodes
            for dep in doc.variables[u].equation_uses
            if dep in nodes and dep != u
        ]

    info = info_members + shadows
    not_drawn: list[str] = []
    if len(band) + len(info) > MAX_DRAWN and shadows:
        info = info_members
        not_drawn.extend(shadows)
    nodes_all = band | set(info)
    edges = edges_among(nodes_all)
    # which info nodes feed a flow (directly or through other info nodes)
    feeds: set[str] = set()
    frontier = list(flows)
    while frontier:
        target = frontier.pop()
        for dep, user in edges:
            if user == target and dep in nodes_all and dep not in band and dep not in feeds:
                feeds.add(dep)
                frontier.append(dep)
    if len(band) + len(info) > MAX_DRAWN:
        not_drawn.extend(n for n in info if n not in feeds)
        info = [n for n in info if n in feeds]
        nodes_all = band | set(info)
        edges = edges_among(nodes_all)

    nodes: dict[str, _Node] = {}
    for n in info:
        role = "shadow" if n not in member_set else kinds[n]
        nodes[n] = _Node(
            n, role, w=2 * _CIRCLE_R + 6 + _tw(n), h=_ROW_H, shadow=n not in member_set
        )

    # ranks: above the band by distance to a flow, below by distance from the band
    up = [n for n in info if n in feeds]
    down = [n for n in info if n not in feeds]
    users_of: dict[str, list[str]] = {}
    deps_of: dict[str, list[str]] = {}
    for dep, user in edges:
        users_of.setdefault(dep, []).append(user)
        deps_of.setdefault(user, []).append(dep)
    up_set, down_set = set(up), set(down)
    _longest(up, lambda n: [u for u in users_of.get(n, []) if u in up_set], nodes)
    _longest(down, lambda n: [d for d in deps_of.get(n, []) if d in down_set], nodes)
    for n in up:
        nodes[n].up = True
    for n in down:  # a source below the band sits one row above its first user
        if not deps_of.get(n) and any(u in down_set for u in users_of.get(n, [])):
            nodes[n].rank = max(1, min(nodes[u].rank for u in users_of[n] if u in down_set) - 1)

    # the band
    mid = slug(sector)
    band_svg, band_nodes, band_w, band_h = _layout_band(
        doc, stocks, flows, ends, member_set, link, f"flowarr-{mid}"
    )
    nodes.update(band_nodes)

    up_rows = _rows([nodes[n] for n in up], reverse=True)
    down_rows = _rows([nodes[n] for n in down], reverse=False)

    # place rows: above the band from the band upwards, positioned by their users
    def place(row: list[_Node], anchors: dict[str, list[str]]) -> list[list[_Node]]:
        for node in row:
            xs = [nodes[a].x for a in anchors.get(node.name, []) if nodes[a].h == -1]
            if not xs:  # a source: near what its users' other inputs sit
                xs = [
                    nodes[d].x
                    for u in users_of.get(node.name, [])
                    for d in deps_of.get(u, [])
                    if nodes[d].h == -1
                ]
            node.x = sum(xs) / len(xs) if xs else math.inf
        return _pack(row)

    placed_up: list[list[_Node]] = []
    for row in up_rows:
        sub = place(row, users_of)
        for line in sub:
            for node in line:
                node.h = -1  # marks "placed"
        placed_up.append(sub)
    placed_down: list[list[_Node]] = []
    for row in down_rows:
        sub = place(row, deps_of)
        for line in sub:
            for node in line:
                node.h = -1
        placed_down.append(sub)

    # vertical positions
    n_up_lines = sum(len(s) for s in placed_up)
    top = 24.0
    band_top = top + n_up_lines * _ROW_H + (12 if n_up_lines else 0)
    y = band_top - _ROW_H / 2 - 6
    for sub in placed_up:
        for line in reversed(sub):
            for node in line:
                node.y = y
            y -= _ROW_H
    for node in band_nodes.values():
        node.y += band_top
    y = band_top + band_h + (_ROW_H / 2 if band_h else 0)
    for sub in placed_down:
        for line in sub:
            for node in line:
                node.y = y
            y += _ROW_H
    height = max(y - _ROW_H / 2 + 24, band_top + band_h + 16)
    width = max(
        [band_w + 40]
        + [line[-1].x + line[-1].w + 40 for sub in placed_up + placed_down for line in sub if line]
    )
    width = max(width, 320.0)

    parts = [
        _svg_open(
            width, height, f"Stock-and-flow diagram: {sector}", _marker(f"arr-{mid}", "#c0392b")
        )
    ]
    for dep, user in edges:  # links first, so that boxes, valves and names lie over them
        if dep not in nodes or user not in nodes:
            continue
        parts.append(_link(nodes[dep], nodes[user], f"arr-{mid}"))
    parts.append(f'<g transform="translate(0,{_n(band_top)})">{band_svg}</g>')
    for n in info:
        parts.append(_info_node(nodes[n], link))
    parts.append("</svg>")
    drawn = [n for n in members if n in nodes_all]
    return SectorDiagram(sector, "".join(parts), drawn, [n for n in not_drawn if n in member_set])


def _longest(items: list[str], nexts, nodes: dict[str, _Node]) -> None:
    """Rank each item 1 + the longest chain of ``nexts`` from it (1 for none); cycles cut."""
    memo: dict[str, int] = {}
    for start in items:
        stack = [(start, iter(nexts(start)))]
        on_path = {start}
        while stack:
            name, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                on_path.discard(name)
                memo[name] = 1 + max((memo.get(m, 0) for m in nexts(name) if m in memo), default=0)
            elif nxt not in memo and nxt not in on_path:
                on_path.add(nxt)
                stack.append((nxt, iter(nexts(nxt))))
    for name in items:
        nodes[name].rank = memo[name]


def _rows(items: list[_Node], reverse: bool) -> list[list[_Node]]:
    """Nodes grouped by rank, nearest the band first."""
    ranks = sorted({n.rank for n in items})
    return [[n for n in items if n.rank == r] for r in ranks]


def _pack(row: list[_Node]) -> list[list[_Node]]:
    """Lay out one rank: sort by wanted x, wrap at MAX_ROW_WIDTH, push apart to not overlap."""
    order = sorted(range(len(row)), key=lambda i: (row[i].x, i))
    ordered = [row[i] for i in order]
    lines: list[list[_Node]] = [[]]
    used = 0.0
    for node in ordered:
        if lines[-1] and used + node.w + _PORT_GAP > MAX_ROW_WIDTH:
            lines.append([])
            used = 0.0
        lines[-1].append(node)
        used += node.w + _PORT_GAP
    for line in lines:
        left = 20.0
        for node in line:
            want = node.x - _CIRCLE_R if math.isfinite(node.x) else left
            start = max(want, left)
            node.x = start + _CIRCLE_R
            left = start + node.w + _PORT_GAP
        # a line pushed past the right edge slides back left as a block
        overflow = line[-1].x - _CIRCLE_R + line[-1].w - (MAX_ROW_WIDTH + 20) if line else 0
        if overflow > 0:
            for node in line:
                node.x -= overflow
            # and is then re-spread from the left margin if that pushed it past 20
            left = 20.0
            for node in line:
                start = max(node.x - _CIRCLE_R, left)
                node.x = start + _CIRCLE_R
                left = start + node.w + _PORT_GAP
    return lines


def _info_node(node: _Node, link: bool) -> str:
    a, a_end = _href(node.name, link)
    x, y, r = node.x, node.y, _CIRCLE_R
    if node.role == "constant":
        shape = (
            f'<path d="M{_n(x)},{_n(y - r - 1)} L{_n(x + r + 1)},{_n(y)} '
            f'L{_n(x)},{_n(y + r + 1)} L{_n(x - r - 1)},{_n(y)} z"/>'
        )
    elif node.role in ("series", "lookup"):
        shape = (
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}"/>'
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r - 2.5}"/>'
        )
    else:
        shape = f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}"/>'
    return (
        f'<g class="node {node.role}" data-var="{_x(node.name)}">{a}{shape}'
        f'<text x="{_n(x + r + 4)}" y="{_n(y + 4)}">{_x(node.name)}</text>{a_end}</g>'
    )


def _port(node: _Node, side: int, toward_x: float) -> tuple[float, float]:
    """Where a link leaves or enters ``node``: its top (side -1) or bottom (side 1)."""
    if node.role == "stock":
        half = node.w / 2 - 10
        x = min(max(toward_x, node.x - half), node.x + half)
        return x, node.y + side * (_STOCK_H / 2 + 2)
    radius = 11.0 if node.role == "flow" else _CIRCLE_R + 2.5
    return node.x, node.y + side * radius


def _link(src: _Node, dst: _Node, marker: str) -> str:
    """An information link: a curve that leaves and enters its nodes vertically.

    Leaving vertically keeps a link off the names in its own row (names run
    horizontally beside their circles); a link within one row arches above it.
    """
    if dst.y > src.y + 1:
        out_side, in_side = 1, -1
    elif dst.y < src.y - 1:
        out_side, in_side = -1, 1
    else:
        out_side = in_side = -1
    x1, y1 = _port(src, out_side, dst.x)
    x2, y2 = _port(dst, in_side, src.x)
    reach = max(abs(y2 - y1) / 2, 28.0) if out_side != in_side else 30.0
    c1 = (x1, y1 + out_side * reach)
    c2 = (x2, y2 + in_side * reach)
    d = f"M{_n(x1)},{_n(y1)} C{_n(c1[0])},{_n(c1[1])} {_n(c2[0])},{_n(c2[1])} {_n(x2)},{_n(y2)}"
    return f'<path class="link" d="{d}" marker-end="url(#{marker})"/>'


def _valve(x: float, y: float, vertical: bool) -> str:
    """A valve (bow tie) centred at (x, y) on a pipe; vertical when the pipe is."""
    s = 7
    if vertical:
        d = f"M{_n(x - s)},{_n(y - s)} L{_n(x + s)},{_n(y - s)} L{_n(x - s)},{_n(y + s)} L{_n(x + s)},{_n(y + s)} z"
    else:
        d = f"M{_n(x - s)},{_n(y - s)} L{_n(x - s)},{_n(y + s)} L{_n(x + s)},{_n(y - s)} L{_n(x + s)},{_n(y + s)} z"
    return f'<g class="valve"><path d="{d}"/></g>'


def _pipe(points: list[tuple[float, float]], marker: str) -> str:
    d = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in points)
    end = f' marker-end="url(#{marker})"'
    return f'<path class="pipe" d="{d}"{end}/><path class="pipe-in" d="{d}"/>'


def _cloud(x: float, y: float) -> str:
    r = 6
    return (
        f'<path class="cloud" d="M{_n(x - 2 * r)},{_n(y + 3)} '
        f"a{r - 1},{r - 1} 0 0 1 {r},{-r + 1} a{r},{r} 0 0 1 {r + 4},{-2} "
        f'a{r - 1},{r - 1} 0 0 1 {r - 2},{r + 4} z"/>'
    )


def _order_stocks(stocks: list[str], links: list[tuple[str, str]]) -> list[str]:
    """Stocks in an order that puts the two ends of a flow side by side where it can."""
    nbrs: dict[str, list[str]] = {s: [] for s in stocks}
    indeg = dict.fromkeys(stocks, 0)
    for a, b in links:
        nbrs[a].append(b)
        indeg[b] += 1
    order: list[str] = []
    seen: set[str] = set()
    starts = [s for s in stocks if indeg[s] == 0] + stocks
    for start in starts:
        node: str | None = start
        while node is not None and node not in seen:
            seen.add(node)
            order.append(node)
            node = next((n for n in nbrs[node] if n not in seen), None)
    return order


def _layout_band(
    doc: ModelDoc,
    stocks: list[str],
    flows: list[str],
    ends: dict[str, tuple[str | None, str | None]],
    members: set[str],
    link: bool,
    marker: str,
) -> tuple[str, dict[str, _Node], float, float]:
    """The stocks and flows of a sector: SVG (y from 0), nodes, width and height."""
    if not stocks and not flows:
        return "", {}, 0.0, 0.0
    stock_set = set(stocks)
    inner = [
        (f, ends[f][0], ends[f][1])
        for f in flows
        if ends[f][0] in stock_set and ends[f][1] in stock_set
    ]
    order = _order_stocks(stocks, [(a, b) for _, a, b in inner])
    pos = {s: i for i, s in enumerate(order)}
    beside: dict[int, str] = {}  # gap index i (between order[i] and order[i+1]) -> flow
    lanes: list[str] = []
    for f, a, b in inner:
        gap = min(pos[a], pos[b])
        if abs(pos[a] - pos[b]) == 1 and gap not in beside:
            beside[gap] = f
        else:
            lanes.append(f)
    top_ports: dict[str, list[str]] = {s: [] for s in order}
    bottom_ports: dict[str, list[tuple[str, str]]] = {s: [] for s in order}  # (flow, "lane"|"out")
    free: list[str] = []
    for f in flows:
        a, b = ends[f]
        if a in stock_set and b in stock_set:
            continue
        if b in stock_set:
            top_ports[b].append(f)
        elif a in stock_set:
            bottom_ports[a].append((f, "out"))
        else:
            free.append(f)
    for f in lanes:
        a, b = ends[f]
        bottom_ports[a].insert(0, (f, "lane"))
        bottom_ports[b].insert(0, (f, "lane"))

    def other_label(f: str, stock: str | None) -> str:
        return stock if stock is not None and stock not in stock_set else ""

    def port_w(f: str, other: str | None) -> float:
        return 2 * 7 + 6 + max(_tw(f), _tw(other_label(f, other))) + _PORT_GAP

    y_cloud_in, y_valve_in = 10.0, 46.0
    y_stock = 100.0
    y_valve_out, y_cloud_out = y_stock + 54, y_stock + 90
    has_out = any(bottom_ports[s] for s in order)
    lane_base = (
        (y_cloud_out + 30)
        if any(k == "out" for s in order for _, k in bottom_ports[s])
        else (y_stock + 50)
    )
    nodes: dict[str, _Node] = {}
    parts: list[str] = []
    x = 20.0
    centres: dict[str, float] = {}
    port_x: dict[tuple[str, str], float] = {}
    for i, s in enumerate(order):
        tops = top_ports[s]
        bottoms = bottom_ports[s]
        top_w = sum(port_w(f, ends[f][0]) for f in tops)
        bottom_w = sum((port_w(f, ends[f][1]) if k == "out" else 24.0) for f, k in bottoms)
        w = max(_tw(s) + 24, top_w + 12, bottom_w + 12, 90)
        centres[s] = x + w / 2
        nodes[s] = _Node(
            s, "stock", x=x + w / 2, y=y_stock, w=w, h=_STOCK_H, shadow=s not in members
        )
        px = x + 14
        for f in tops:
            port_x[(f, s)] = px
            px += port_w(f, ends[f][0])
        px = x + 14
        for f, k in bottoms:
            port_x[(f, s)] = px
            px += port_w(f, ends[f][1]) if k == "out" else 24.0
        x += w
        if i in beside:
            f = beside[i]
            x += max(_tw(f), _tw(f)) + 40
        else:
            x += 48
    # free-standing flows, cloud to cloud
    free_x: dict[str, float] = {}
    for f in free:
        a, b = ends[f]
        caption = f"{a or '(outside)'} -> {b or '(outside)'}"
        w = max(_tw(f), _tw(caption), 110) + 20
        free_x[f] = x + w / 2
        x += w + 24
    width = x
    n_lanes = len(lanes)
    height = (
        (lane_base + n_lanes * 40 + 24)
        if n_lanes
        else ((y_cloud_out + 24) if has_out else (y_stock + 52))
    )

    # flows (pipes first, so that stocks and valves are drawn over them)
    for f in flows:
        shadow = f not in members
        a, b = ends[f]
        extra = " shadowflow" if shadow else ""
        g = [f'<g class="flow{extra}" data-var="{_x(f)}">']
        lab_cls = ' class="shadow"' if shadow else ""
        ah, ah_end = _href(f, link)
        if f in free_x:
            cx = free_x[f]
            g.append(_cloud(cx - 55, y_stock))
            g.append(_pipe([(cx - 44, y_stock), (cx + 44, y_stock)], marker))
            g.append(_cloud(cx + 58, y_stock))
            g.append(_valve(cx, y_stock, False))
            nodes[f] = _Node(f, "flow", x=cx, y=y_stock, shadow=shadow)
            g.append(
                f'<g{lab_cls}>{ah}<text x="{_n(cx)}" y="{_n(y_stock + 24)}" text-anchor="middle">{_x(f)}</text>{ah_end}</g>'
            )
            caption = f"{a or '(outside)'} -> {b or '(outside)'}"
            g.append(
                f'<g class="shadow"><text x="{_n(cx)}" y="{_n(y_stock + 38)}" text-anchor="middle">{_x(caption)}</text></g>'
            )
        elif a in stock_set and b in stock_set and f not in lanes:
            left, right = (a, b) if pos[a] < pos[b] else (b, a)
            x1 = nodes[left].x + nodes[left].w / 2
            x2 = nodes[right].x - nodes[right].w / 2
            pts = [(x1, y_stock), (x2, y_stock)] if left == a else [(x2, y_stock), (x1, y_stock)]
            g.append(_pipe(pts, marker))
            cx = (x1 + x2) / 2
            g.append(_valve(cx, y_stock, False))
            nodes[f] = _Node(f, "flow", x=cx, y=y_stock, shadow=shadow)
            g.append(
                f'<g{lab_cls}>{ah}<text x="{_n(cx)}" y="{_n(y_stock + 24)}" text-anchor="middle">{_x(f)}</text>{ah_end}</g>'
            )
        elif f in lanes:
            k = lanes.index(f)
            ly = lane_base + 40 * k
            xa, xb = port_x[(f, a)], port_x[(f, b)]
            sb = y_stock + _STOCK_H / 2
            g.append(_pipe([(xa, sb), (xa, ly), (xb, ly), (xb, sb + 1)], marker))
            cx = (xa + xb) / 2
            g.append(_valve(cx, ly, False))
            nodes[f] = _Node(f, "flow", x=cx, y=ly, shadow=shadow)
            g.append(
                f'<g{lab_cls}>{ah}<text x="{_n(cx)}" y="{_n(ly + 22)}" text-anchor="middle">{_x(f)}</text>{ah_end}</g>'
            )
        elif b in stock_set:  # from above
            px = port_x[(f, b)]
            g.append(_cloud(px, y_cloud_in))
            g.append(_pipe([(px, y_cloud_in + 6), (px, y_stock - _STOCK_H / 2 - 1)], marker))
            g.append(_valve(px, y_valve_in, True))
            nodes[f] = _Node(f, "flow", x=px, y=y_valve_in, shadow=shadow)
            g.append(
                f'<g{lab_cls}>{ah}<text x="{_n(px + 11)}" y="{_n(y_valve_in + 4)}">{_x(f)}</text>{ah_end}</g>'
            )
            if other_label(f, a):
                g.append(
                    f'<g class="shadow"><text x="{_n(px + 11)}" y="{_n(y_cloud_in + 4)}">{_x(a)}</text></g>'
                )
        else:  # to below
            px = port_x[(f, a)]
            g.append(_pipe([(px, y_stock + _STOCK_H / 2), (px, y_cloud_out - 8)], marker))
            g.append(_cloud(px, y_cloud_out))
            g.append(_valve(px, y_valve_out, True))
            nodes[f] = _Node(f, "flow", x=px, y=y_valve_out, shadow=shadow)
            g.append(
                f'<g{lab_cls}>{ah}<text x="{_n(px + 11)}" y="{_n(y_valve_out + 4)}">{_x(f)}</text>{ah_end}</g>'
            )
            if other_label(f, b):
                g.append(
                    f'<g class="shadow"><text x="{_n(px + 11)}" y="{_n(y_cloud_out + 4)}">{_x(b)}</text></g>'
                )
        g.append("</g>")
        parts.append("".join(g))
    for s in order:
        node = nodes[s]
        ah, ah_end = _href(s, link)
        parts.append(
            f'<g class="node stock" data-var="{_x(s)}">{ah}<rect x="{_n(node.x - node.w / 2)}" '
            f'y="{_n(y_stock - _STOCK_H / 2)}" width="{_n(node.w)}" height="{_STOCK_H}" rx="2"/>'
            f'<text x="{_n(node.x)}" y="{_n(y_stock + 4)}" text-anchor="middle">{_x(s)}</text>{ah_end}</g>'
        )
    arrow = _marker(marker, "#2f5d8a").replace(
        'markerWidth="7" markerHeight="7"', 'markerWidth="3" markerHeight="3"'
    )
    parts.insert(0, f"<defs>{arrow}</defs>")
    for node in nodes.values():
        node.h = -1 if node.role in ("stock", "flow") else node.h
    return "".join(parts), nodes, width, height


# ---------------------------------------------------------------------------------------
# Overview of sectors
# ---------------------------------------------------------------------------------------


def sector_links(doc: ModelDoc) -> dict[tuple[str, str], int]:
    """(sector used, sector using) -> number of variable-to-variable links between them."""
    out: dict[tuple[str, str], int] = {}
    for var in doc.variables.values():
        for used in var.uses:
            a, b = doc.variables[used].sector, var.sector
            if a != b:
                out[(a, b)] = out.get((a, b), 0) + 1
    return out


def overview_diagram(doc: ModelDoc, link: bool = True) -> str:
    """Sectors as boxes in layers (a sector below the sectors it uses, where the order
    of sectors allows), arrows weighted by the number of links between them; arrows
    against the order of the sectors (feedback) are dashed."""
    names = list(doc.sectors)
    index = {s: i for i, s in enumerate(names)}
    links = sector_links(doc)
    rank = dict.fromkeys(names, 0)
    for s in names:  # sectors in order: a forward link puts the user below the used
        for (a, b), _ in links.items():
            if b == s and index[a] < index[b]:
                rank[s] = max(rank[s], rank[a] + 1)
    layers: dict[int, list[str]] = {}
    for s in names:
        layers.setdefault(rank[s], []).append(s)
    box_h, row_gap = 40.0, 70.0
    boxes: dict[str, tuple[float, float, float]] = {}  # centre x, centre y, width
    y = 30.0 + box_h / 2
    width = 0.0
    for r in sorted(layers):
        row = layers[r]
        if r > 0:  # barycentre of the sectors used, then the order of sectors

            def key(s: str) -> tuple[float, int]:
                xs = [boxes[a][0] for (a, b) in links if b == s and a in boxes]
                return (sum(xs) / len(xs) if xs else math.inf, index[s])

            row = sorted(row, key=key)
        lines: list[list[str]] = [[]]
        used = 0.0
        for s in row:
            w = _tw(s) + 60
            if lines[-1] and used + w > MAX_ROW_WIDTH:
                lines.append([])
                used = 0.0
            lines[-1].append(s)
            used += w + 30
        for line in lines:
            total = sum(_tw(s) + 60 for s in line) + 30 * (len(line) - 1)
            x = 20.0 + max(0.0, (MAX_ROW_WIDTH - total) / 2)
            for s in line:
                w = _tw(s) + 60
                boxes[s] = (x + w / 2, y, w)
                x += w + 30
            width = max(width, x)
            y += row_gap
    height = y - row_gap + box_h / 2 + 30
    width = max(width + 20, 400.0)
    parts = [
        _svg_open(
            width, height, "Sectors and the links between them", _marker("arr-overview", "#2f5d8a")
        )
    ]
    top = max(links.values(), default=1)
    for (a, b), count in sorted(links.items(), key=lambda kv: (index[kv[0][0]], index[kv[0][1]])):
        ax, ay, aw = boxes[a]
        bx, by, bw = boxes[b]
        back = index[a] > index[b]
        stroke = 0.8 + 4.2 * math.sqrt(count / top)
        if abs(ay - by) < 1:  # same row: arc above
            x1, y1, x2, y2 = ax, ay - box_h / 2, bx, by - box_h / 2
            bend = 0.25 if x2 > x1 else -0.25
        else:
            x1, y1 = ax, ay + (box_h / 2 if by > ay else -box_h / 2)
            x2, y2 = bx, by + (-box_h / 2 if by > ay else box_h / 2)
            bend = 0.12 if not back else 0.3
        d = _curve(x1, y1, x2, y2, bend)
        parts.append(
            f'<path class="edge{" back" if back else ""}" d="{d}" stroke-width="{_n(stroke)}" '
            f'marker-end="url(#arr-overview)"><title>{_x(a)} -&gt; {_x(b)}: {count} links</title></path>'
        )
    for s in names:
        x, y, w = boxes[s]
        a, a_end = ("", "") if not link else (f'<a href="#sector-{slug(s)}">', "</a>")
        count = len(doc.sectors[s])
        parts.append(
            f'<g class="sector" data-sector="{_x(s)}">{a}<rect x="{_n(x - w / 2)}" y="{_n(y - box_h / 2)}" '
            f'width="{_n(w)}" height="{_n(box_h)}" rx="6"/><text x="{_n(x)}" y="{_n(y - 2)}" '
            f'text-anchor="middle">{_x(s)}</text><text class="weight" x="{_n(x)}" y="{_n(y + 12)}" '
            f'text-anchor="middle">{count} variables</text>{a_end}</g>'
        )
    parts.append("</svg>")
    return "".join(parts)
