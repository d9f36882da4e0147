"""Make the shipped outline of Kazakhstan, ``record/data/kazakhstan_outline.geojson``.

Why: the map and the place checks need the republic's outline, and kazind must never
download anything at run time. This developer script is the one place anything is
fetched: it obtains the ``geopandas==0.14.4`` wheel (the last release that bundled Natural
Earth's ``naturalearth_lowres`` data set) with ``pip download --no-deps`` into a temporary
directory, reads the shapefile straight out of the wheel with pyshp (the ``tools`` extra),
takes Kazakhstan's polygon, rounds it to 4 decimals and writes it atomically.

Natural Earth data are in the public domain (naturalearthdata.com); the attribution is
carried in the GeoJSON's properties.

Usage: ``.venv/bin/python scripts/make_outline.py [--out PATH] [--wheel WHEEL]``
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import shapefile  # pyshp, from the "tools" extra

from kazind.common.atomic import atomic_write

WHEEL_SPEC = "geopandas==0.14.4"
SHP_BASE = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
DEFAULT_OUT = (
    Path(__file__).resolve().parents[1] / "src/kazind/record/data/kazakhstan_outline.geojson"
)
ATTRIBUTION = {
    "name": "Kazakhstan",
    "source": "Natural Earth (naturalearthdata.com), public domain",
    "via": "geopandas 0.14.4 wheel, datasets/naturalearth_lowres (Natural Earth 1:110m admin 0 countries)",
    "license": "public domain",
    "made_by": "scripts/make_outline.py",
    "precision": "coordinates rounded to 4 decimals (about 10 m); the 1:110m source is far coarser",
    "note": "modern borders, not those of the Kazakh ASSR/SSR of 1920-1940",
}


def fetch_wheel(dest: Path) -> Path:
    """Download the geopandas wheel (no dependencies) into ``dest`` and return its path."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(dest),
        WHEEL_SPEC,
    ]
    subprocess.run(cmd, check=True)  # noqa: S603 - fixed argument list, no shell
    wheels = sorted(dest.glob("geopandas-0.14.4-*.whl"))
    if not wheels:
        raise SystemExit(f"pip download left no geopandas wheel in {dest}")
    return wheels[0]


def kazakhstan_rings(wheel: Path) -> list[list[list[float]]]:
    """The rings of Kazakhstan's shape, read from the shapefile inside the wheel."""
    with zipfile.ZipFile(wheel) as zf:
        parts = {ext: io.BytesIO(zf.read(f"{SHP_BASE}.{ext}")) for ext in ("shp", "shx", "dbf")}
        names_in_wheel = set(zf.namelist())
        cpg = f"{SHP_BASE}.cpg"
        # The .dbf is not UTF-8 ("C\xf4te d'Ivoire"); use its .cpg when present, else Latin-1.
        encoding = zf.read(cpg).decode("ascii").strip() if cpg in names_in_wheel else "latin-1"
    reader = shapefile.Reader(
        shp=parts["shp"], shx=parts["shx"], dbf=parts["dbf"], encoding=encoding
    )
    names = [f[0] for f in reader.fields[1:]]
    for rec, shp in zip(reader.records(), reader.shapes(), strict=True):
        row = dict(zip(names, rec, strict=True))
        if row.get("iso_a3") == "KAZ" or row.get("name") == "Kazakhstan":
            bounds = list(shp.parts) + [len(shp.points)]
            return [
                [[round(x, 4), round(y, 4)] for x, y in shp.points[a:b]]
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)
            ]
    raise SystemExit("Kazakhstan not found in naturalearth_lowres")


def to_feature_collection(rings: list[list[list[float]]]) -> dict:
    """A FeatureCollection with one (Multi)Polygon feature; each ring is closed."""
    for ring in rings:
        if ring[0] != ring[-1]:
            ring.append(list(ring[0]))
    # Shapefile outer rings run clockwise; GeoJSON (RFC 7946) wants them anticlockwise.
    rings = [list(reversed(r)) for r in rings]
    if len(rings) == 1:
        geometry = {"type": "Polygon", "coordinates": rings}
    else:  # lowres Kazakhstan has no holes, so every ring is its own polygon
        geometry = {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}
    feature = {"type": "Feature", "properties": ATTRIBUTION, "geometry": geometry}
    return {"type": "FeatureCollection", "features": [feature]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--wheel", type=Path, help="use this already downloaded geopandas 0.14.4 wheel"
    )
    args = parser.parse_args(argv)
    if args.wheel:
        rings = kazakhstan_rings(args.wheel)
    else:
        with tempfile.TemporaryDirectory(prefix="kazind-outline-") as tmp:
            rings = kazakhstan_rings(fetch_wheel(Path(tmp)))
    collection = to_feature_collection(rings)
    with atomic_write(args.out) as fh:
        json.dump(collection, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    args.out.chmod(0o644)  # mkstemp creates 0600; the data file ships in the package
    print(f"wrote {args.out} ({sum(len(r) for r in rings)} points in {len(rings)} ring(s))")


if __name__ == "__main__":
    main()
