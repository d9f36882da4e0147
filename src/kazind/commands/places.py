"""``kazind places``: list the gazetteer and the railways as a table, CSV or GeoJSON.

``--kind`` takes a place kind (city, town, station, enterprise, mine, oil_field,
power_station, region) or the pseudo-kind ``railway``, which lists railway sections
instead of places (GeoJSON: the sections as LineStrings plus their stations as points).
``--year Y`` keeps what existed by the end of year Y: enterprises from their start year
(or the year a source shows them existing), railway sections from their opening year,
settlements from their founding when the record dates it (Balkhash from 1932). ``--lang``
(kk, ru, en; Kazakh by default) gives the ``name`` column: the name of year Y with today's
beside it when they differ (``kazind places --year 1939 --lang ru``: ``Алма-Ата (Алматы)``),
or today's name without ``--year``. The table (the default) is for a reader at an
80-column terminal: its title, headings and kinds are in ``--lang`` (ids stay), and it
holds only id, name, kind, town and first year; CSV and GeoJSON hold every column, named
by its id.
"""

from __future__ import annotations

import csv
import io
import json

import typer

from kazind.commands import plain_console
from kazind.common.errors import KazindError
from kazind.common.langs import check_lang
from kazind.record.places import KINDS, Place, load_gazetteer

RAILWAY = "railway"
FORMATS = ("table", "csv", "geojson")
PLACE_COLUMNS = [
    "id",
    "kind",
    "branch",
    "name_en",
    "name_kk",
    "name",
    "city",
    "lat",
    "lon",
    "first_year",
    "coord_confidence",
    "coord_source",
]
RAILWAY_COLUMNS = [
    "line",
    "line_name",
    "from",
    "to",
    "opened",
    "opened_by",
    "length_km",
    "length_basis",
    "source",
]
#: The columns of the table for a reader (CSV has them all).
PLACE_TABLE = ["id", "name", "kind", "town", "first_year"]
RAILWAY_TABLE = ["line_name", "from", "to", "opened", "length_km"]

#: The table's title, headings and the kinds of place in the reader's language.
TABLE_LABELS: dict[str, dict[str, str]] = {
    "kk": {
        "places": "Орындар",
        "railways": "Темір жол учаскелері",
        "existing": "{year} жылы болғандары",
        "km": "шамамен {km} км",
        "id": "id",
        "name": "атауы",
        "kind": "түрі",
        "town": "қаласы",
        "first_year": "алғашқы жылы",
        "line_name": "желі",
        "from": "қайдан",
        "to": "қайда",
        "opened": "ашылған жылы",
        "length_km": "км",
        "city": "қала",
        "station": "бекет",
        "enterprise": "кәсіпорын",
        "mine": "кеніш",
        "oil_field": "мұнай кәсіпшілігі",
        "power_station": "электр станциясы",
        "region": "республика",
        "town_kind": "шағын қала, кент",
        "settlement": "кент",
    },
    "ru": {
        "places": "Места",
        "railways": "Участки железных дорог",
        "existing": "существовавшие в {year} году",
        "km": "около {km} км",
        "id": "id",
        "name": "название",
        "kind": "вид",
        "town": "город",
        "first_year": "первый год",
        "line_name": "линия",
        "from": "откуда",
        "to": "куда",
        "opened": "год открытия",
        "length_km": "км",
        "city": "город",
        "station": "станция",
        "enterprise": "предприятие",
        "mine": "рудник, шахта",
        "oil_field": "нефтепромысел",
        "power_station": "электростанция",
        "region": "республика",
        "town_kind": "малый город, посёлок",
        "settlement": "посёлок",
    },
    "en": {
        "places": "Places",
        "railways": "Railway sections",
        "existing": "existing in {year}",
        "km": "about {km} km",
        "id": "id",
        "name": "name",
        "kind": "kind",
        "town": "town",
        "first_year": "first year",
        "line_name": "line",
        "from": "from",
        "to": "to",
        "opened": "opened",
        "length_km": "km",
        "city": "city",
        "station": "station",
        "enterprise": "enterprise",
        "mine": "mine",
        "oil_field": "oil field",
        "power_station": "power station",
        "region": "republic",
        "town_kind": "town",
        "settlement": "settlement",
    },
}


def kind_label(kind: str, lang: str) -> str:
    """A kind of place in the reader's language (``town``'s key differs from its column's)."""
    return TABLE_LABELS[lang]["town_kind" if kind == "town" else kind]


def _place_row(p: Place, lang: str = "kk", year: int | None = None) -> dict[str, object]:
    first = p.founded.year if p.founded and p.first_year is None else p.first_year
    return {
        "id": p.id,
        "kind": p.kind,
        "branch": p.branch or "",
        "name_en": p.names.en,
        "name_kk": p.names.kk,
        "name": p.today_name(lang) if year is None else p.label_at(year, lang),
        "city": p.city or "",
        "lat": p.lat,
        "lon": p.lon,
        "first_year": "" if first is None else first,
        "coord_confidence": p.coord_confidence or "csv",
        "coord_source": p.coord_source,
    }


def _csv(columns: list[str], rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _table(title: str, columns: list[str], rows: list[dict[str, object]], lang: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for col in columns:
        table.add_column(TABLE_LABELS[lang][col], overflow="fold")
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    plain_console().print(table)


def places_command(
    kind: str | None = typer.Option(
        None, "--kind", help=f"one of: {', '.join(KINDS)}, or '{RAILWAY}' for railway sections"
    ),
    fmt: str = typer.Option("table", "--format", help="table, csv or geojson"),
    year: int | None = typer.Option(
        None, "--year", help="only what existed by year Y, named as in Y"
    ),
    lang: str = typer.Option("kk", "--lang", help="language of the names: kk, ru or en"),
) -> None:
    """List the places of the record, or its railway sections (--kind railway)."""
    check_lang(lang)
    if fmt not in FORMATS:
        raise KazindError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    if kind is not None and kind != RAILWAY and kind not in KINDS:
        raise KazindError(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}, {RAILWAY}")
    gazetteer = load_gazetteer()
    labels = TABLE_LABELS[lang]
    when = "" if year is None else " (" + labels["existing"].format(year=year) + ")"
    if kind == RAILWAY:
        from kazind.record.railways import load_railways

        network = load_railways(gazetteer=gazetteer)
        sections = network.sections_open(year)
        if fmt == "geojson":
            collection = network.to_geojson(year)
            used = {o.section.from_ for o in sections} | {o.section.to for o in sections}
            points = gazetteer.to_geojson([p for p in gazetteer.places if p.id in used], year)
            collection["features"] = points["features"] + collection["features"]
            typer.echo(json.dumps(collection, ensure_ascii=False))
            return

        def station(pid: str) -> str:
            place = gazetteer[pid]
            return place.today_name(lang) if year is None else place.label_at(year, lang)

        rows = [
            {
                "line": o.line.id,
                "line_name": o.line.names.get(lang, o.line.id),
                "from": station(o.section.from_),
                "to": station(o.section.to),
                "opened": "" if o.section.opened is None else o.section.opened,
                "opened_by": "" if o.section.opened_by is None else o.section.opened_by,
                "length_km": round(o.length_km),
                "length_basis": o.basis,
                "source": o.section.source,
            }
            for o in sections
        ]
        if fmt == "csv":
            typer.echo(_csv(RAILWAY_COLUMNS, rows), nl=False)
        else:
            total = sum(o.length_km for o in sections)
            km = labels["km"].format(km=f"{total:,.0f}".replace(",", " " if lang != "en" else ","))
            _table(f"{labels['railways']}{when}: {len(rows)}, {km}", RAILWAY_TABLE, rows, lang)
        return
    places = gazetteer.select(kind, year)
    rows = [_place_row(p, lang, year) for p in places]
    if fmt == "geojson":
        typer.echo(json.dumps(gazetteer.to_geojson(places, year), ensure_ascii=False))
    elif fmt == "csv":
        typer.echo(_csv(PLACE_COLUMNS, rows), nl=False)
    else:
        title = f"{labels['places']}{' (' + kind_label(kind, lang) + ')' if kind else ''}{when}: {len(places)}"

        def town(pid: str) -> str:
            if not pid:
                return ""
            place = gazetteer[pid]
            return place.today_name(lang) if year is None else place.name_at(year, lang)

        shown = [
            {
                **r,
                "kind": kind_label(p.kind if year is None else p.kind_at(year), lang),
                "town": town(p.city or ""),
            }
            for p, r in zip(places, rows, strict=True)
        ]
        _table(title, PLACE_TABLE, shown, lang)


def register(app: typer.Typer) -> None:
    """Add ``places`` to the root command line."""
    app.command("places")(places_command)
