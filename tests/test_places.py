"""The places of the record: gazetteer, railways, outline and the ``kazind places`` command."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from conftest import run_cli
from kazind.common.errors import KazindError
from kazind.record.places import (
    PLACES_FILE,
    contract_ids,
    load_gazetteer,
    load_outline,
    point_in_ring,
)
from kazind.record.railways import (
    CURVATURE_FACTOR,
    RAILWAYS_FILE,
    great_circle_km,
    load_railways,
)

ROOT = Path(__file__).resolve().parents[1]
RECORD_MD = ROOT / "docs" / "record.md"
REFERENCE_CSV = Path("/work/shared/reference/places.csv")
SEED_NETWORK_1940_KM = 6581  # the seed: "grew about 50 % to 6581 km" (1928-1940)


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


@pytest.fixture(scope="module")
def net(gaz):
    return load_railways(gazetteer=gaz)


@pytest.fixture(scope="module")
def outline():
    return load_outline()


# ---- gazetteer ---------------------------------------------------------------------


def test_every_contract_id_is_in_the_gazetteer_and_nothing_else(gaz, net):
    place_ids, line_ids = contract_ids(RECORD_MD)
    assert len(place_ids) > 80  # the parser found the lists at all
    assert {p.id for p in gaz.places} == place_ids
    assert {line.id for line in net.lines} == line_ids
    assert len(line_ids) == 16


@pytest.mark.parametrize(
    ("place_id", "year", "lang", "name"),
    [
        ("almaty", 1939, "ru", "Алма-Ата"),
        ("almaty", 1939, "en", "Alma-Ata"),
        ("almaty", 1939, "kk", "Алматы"),
        ("almaty", 1913, "ru", "Верный"),
        ("semey", 1939, "ru", "Семипалатинск"),
        ("semey", 1939, "kk", "Семей"),
        ("oral", 1939, "en", "Uralsk"),
        ("petropavl", 1939, "en", "Petropavlovsk"),
        ("shymkent", 1939, "ru", "Чимкент"),
        ("aktobe", 1939, "ru", "Актюбинск"),
        ("taraz", 1935, "en", "Aulie-Ata"),
        ("taraz", 1936, "en", "Mirzoyan"),
        ("taraz", 1937, "ru", "Мирзоян"),
        ("taraz", 1938, "en", "Dzhambul"),
        ("astana", 1939, "ru", "Акмолинск"),
        ("ridder", 1940, "ru", "Риддер"),
        ("ridder", 1941, "ru", "Лениногорск"),
        ("kyzylorda", 1924, "ru", "Ак-Мечеть"),
        ("kyzylorda", 1926, "ru", "Кзыл-Орда"),
        ("kyzylorda", 1913, "en", "Perovsk"),
        ("atyrau", 1939, "kk", "Гурьев"),
        ("kostanay", 1939, "ru", "Кустанай"),
        ("karaganda", 1939, "ru", "Караганда"),
        ("pavlodar", 1939, "en", "Pavlodar"),
        ("balkhash", 1935, "ru", "Прибалхашстрой"),
        ("balkhash", 1939, "ru", "Балхаш"),
        ("orenburg", 1939, "ru", "Чкалов"),
        ("pishpek", 1927, "en", "Frunze"),
    ],
)
def test_names_of_the_time(gaz, place_id, year, lang, name):
    assert gaz[place_id].name_at(year, lang) == name


def test_today_names_and_labels(gaz):
    assert gaz["almaty"].today_name("ru") == "Алматы" and gaz["taraz"].today_name("en") == "Taraz"
    assert gaz["almaty"].label_at(1939, "ru") == "Алма-Ата (Алматы)"
    assert gaz["almaty"].label_at(1939, "kk") == "Алматы"  # the same name: no brackets
    assert gaz["karaganda"].names.kk == "Қарағанды"  # names.<lang> is today's name
    with pytest.raises(KazindError, match="unknown language 'de'; valid: kk, ru, en"):
        gaz["almaty"].name_at(1939, "de")


def test_places_exist_from_their_founding(gaz):
    assert not gaz["balkhash"].exists_in(1931) and gaz["balkhash"].exists_in(1932)
    assert gaz["balkhash"].town_from.year == 1937 and gaz["karaganda"].town_from.year == 1934
    assert not gaz["kentau"].exists_in(1940)
    assert gaz["almaty"].exists_in(1913) and gaz["semey"].exists_in(1913)
    assert gaz["kyzylorda"].is_capital_in(1927) and not gaz["kyzylorda"].is_capital_in(1929)
    assert gaz["almaty"].is_capital_in(1929)
    ids_1935 = {p.id for p in gaz.select("town", 1935)}
    assert "balkhash" in ids_1935 and "kentau" not in ids_1935


def test_emba_oil_fields_by_field(gaz):
    assert gaz["dossor_oil_field"].year_started == 1911
    assert gaz["kosshagyl_oil_field"].discovered.year == 1926
    assert gaz["borankol_oil_field"].discovered.year == 1935
    assert gaz["karashungul_oil_field"].discovered.year == 1899
    assert not gaz["kosshagyl_oil_field"].exists_in(1940)  # no year of first output in the source
    assert gaz["makat_oil_field"].year_started == 1915
    assert not gaz["makat_oil_field"].exists_in(1914) and gaz["makat_oil_field"].exists_in(1915)


def test_every_emba_field_has_a_cited_start_or_says_why_not(gaz):
    """Each oil field gives the year of its first output with a source, or a note saying
    what is known when no source gives that year (and then it never shows as producing)."""
    fields = gaz.select("oil_field")
    assert {"baichunas_oil_field", "iskine_oil_field", "sagiz_oil_field", "kulsary_oil_field"} <= {
        p.id for p in fields
    }
    for place in fields:
        if place.year_started is not None:
            assert place.year_source and str(place.year_started) in place.year_source, place.id
        else:
            assert place.existed_by is not None or place.year_note, place.id


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (
            "[{from: null, to: 1930, kk: A, ru: A, en: A, source: s}, {from: 1925, to: null, kk: B, ru: B, en: B, source: s}]",
            "overlap",
        ),
        (
            "[{from: null, to: 1920, kk: A, ru: A, en: A, source: s}, {from: 1925, to: null, kk: B, ru: B, en: B, source: s}]",
            "gap",
        ),
        (
            "[{from: null, to: null, kk: A, ru: A, en: A, source: s}, {from: 1925, to: null, kk: B, ru: B, en: B, source: s}]",
            "overlap",
        ),
        ("[{from: null, to: 1930, kk: A, ru: A, en: A, source: s}]", "run to today"),
        (
            "[{from: 1930, to: 1920, kk: A, ru: A, en: A, source: s}, {from: 1920, to: null, kk: B, ru: B, en: B, source: s}]",
            "backwards",
        ),
    ],
)
def test_broken_name_periods_are_rejected(tmp_path, names, message):
    text = PLACES_FILE.read_text(encoding="utf-8")
    start = text.index("- id: karaganda\n")
    block_start = text.index("  names:\n", start)
    block_end = text.index("  other_names:", block_start)
    broken = text[:block_start] + f"  names: {names}\n" + text[block_end:]
    path = tmp_path / "places.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(KazindError, match=message) as info:
        load_gazetteer(path)
    assert (
        info.value.where == "karaganda" and info.value.line == broken[:block_start].count("\n") + 1
    )


def test_historical_names_are_kept(gaz):
    assert "Semipalatinsk" in gaz["semey"].names.historical
    assert "Guryev" in gaz["atyrau"].names.historical
    assert "Akmolinsk" in gaz["astana"].names.historical
    assert {"Aulie-Ata", "Zhambyl"} <= set(gaz["taraz"].names.historical)
    assert "Leninogorsk" in gaz["ridder"].names.historical
    assert "Ust-Kamenogorsk" in gaz["oskemen"].names.historical


@pytest.mark.parametrize(
    ("place_id", "lat", "lon"),
    [
        ("almaty", 43.25667, 76.92861),
        ("karaganda", 49.80187, 73.10211),
        ("semey", 50.42675, 80.26669),
        ("balkhash_copper_smelter", 46.835, 74.94583),
        ("karsakpay_copper_smelter", 47.83278, 66.73167),
        ("shymkent", 42.3417, 69.5901),
        ("pishpek", 42.9, 74.6),
    ],
)
def test_coordinates_of_known_reference_rows(gaz, place_id, lat, lon):
    place = gaz[place_id]
    assert (place.lat, place.lon) == (lat, lon)
    assert place.coord_source.startswith("places.csv")


@pytest.mark.skipif(not REFERENCE_CSV.exists(), reason="shared reference places.csv not present")
def test_every_place_citing_a_csv_row_has_its_coordinates(gaz):
    rows = {
        r["place"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(REFERENCE_CSV.open())
    }
    cited = 0
    for p in gaz.places:
        m = re.search(r"places\.csv '([^']+)'", p.coord_source)
        if m:
            cited += 1
            assert (p.lat, p.lon) == rows[m.group(1)], p.id
        else:
            assert p.coord_confidence is not None, p.id
    assert cited >= 70


def test_enterprises_without_own_row_say_they_use_the_city(gaz):
    p = gaz["shymkent_lead_plant"]
    assert "city's coordinates" in p.coord_source
    assert (p.lat, p.lon) == (gaz["shymkent"].lat, gaz["shymkent"].lon)


def test_years_capacities_and_disagreements(gaz):
    assert gaz["balkhash_copper_smelter"].year_started == 1938
    assert gaz["karaganda_power_station"].capacity.kw == pytest.approx(1400)
    assert gaz["khariuzovka_hydro_station"].capacity.kw == pytest.approx(5600)
    for pid in ("zhezkazgan_copper_combine", "oskemen_lead_zinc_plant"):
        assert "seed" in gaz[pid].discrepancy
    assert not gaz["oskemen_lead_zinc_plant"].exists_in(1940)
    assert not gaz["karatau_phosphorites"].exists_in(1940)  # only prepared by 1940
    assert gaz["aktobe_chemical_combine"].exists_in(1939)
    assert not gaz["aktobe_chemical_combine"].exists_in(1938)


def test_select_by_kind_and_year(gaz):
    assert len(gaz.select("power_station")) == 4
    existing_1930 = {p.id for p in gaz.select("enterprise", 1930)}
    assert "karsakpay_copper_smelter" in existing_1930
    assert "balkhash_copper_smelter" not in existing_1930
    with pytest.raises(KazindError, match="valid kinds"):
        gaz.select("factory")


# ---- outline -----------------------------------------------------------------------


def test_outline_is_a_closed_polygon_with_attribution(outline):
    assert "Natural Earth" in outline.properties["source"]
    for outer, *_ in outline.polygons:
        assert len(outer) >= 4 and outer[0] == outer[-1]
        area = (
            sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(outer, outer[1:], strict=False)) / 2
        )
        assert area > 100  # anticlockwise (RFC 7946) and country-sized, in square degrees


def test_outline_contains_almaty_and_karaganda_not_tashkent(gaz, outline):
    assert outline.contains(gaz["almaty"].lat, gaz["almaty"].lon)
    assert outline.contains(gaz["karaganda"].lat, gaz["karaganda"].lon)
    assert not outline.contains(gaz["tashkent"].lat, gaz["tashkent"].lon)
    assert not outline.contains(gaz["orenburg"].lat, gaz["orenburg"].lon)


def test_every_city_and_town_lies_inside_the_outline(gaz, outline):
    outside = [
        p.id
        for p in gaz.places
        if p.kind in ("city", "town") and not outline.contains(p.lat, p.lon)
    ]
    assert outside == []


def test_point_in_ring_on_a_square():
    square = [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]
    assert point_in_ring(1, 1, square)
    assert not point_in_ring(3, 1, square)
    assert not point_in_ring(1, -0.5, square)


# ---- railways ----------------------------------------------------------------------


def test_great_circle_against_a_known_distance():
    # One degree of latitude is about 111.2 km.
    assert great_circle_km(50, 70, 51, 70) == pytest.approx(111.2, abs=0.2)


def test_turksib_shares_its_sourced_length(net):
    turksib = [o for o in net.all_sections if o.line.id == "turksib"]
    assert sum(o.length_km for o in turksib) == pytest.approx(1448)
    assert {o.basis for o in turksib} == {"share of line total"}


def test_curvature_factor_agrees_with_turksib_within_5_percent(net):
    """An independent check of the assumed factor on the one line with a sourced length."""
    turksib = net.by_id["turksib"]
    estimate = sum(net._gc(s) for s in turksib.sections) * CURVATURE_FACTOR
    assert estimate == pytest.approx(1448, rel=0.05)


def test_network_grows_over_time(net):
    lengths = [net.length_open_km(y) for y in range(1890, 1941)]
    assert all(b >= a for a, b in zip(lengths, lengths[1:], strict=False))
    assert net.length_open_km(1890) == 0
    open_1900 = {o.line.id for o in net.sections_open(1900)}
    assert open_1900 == {"pokrovsk_uralsk"}  # the Ryazan-Ural line reached Uralsk in 1895
    assert net.length_open_km(1913) < net.length_open_km(1928) < net.length_open_km(1940)


def test_1913_network_sums_to_the_reference(net, outline):
    """The lines open in 1913, measured inside today's Kazakhstan, give the reference's
    "about 2,060 km" (plus 117 km of narrow gauge)."""
    assert net.length_open_km(1913, outline) == pytest.approx(2060, rel=0.02)
    narrow = net.length_open_km(1913, outline, gauge="narrow")
    assert narrow == pytest.approx(117)
    assert net.length_open_km(1918, outline, gauge=None) == pytest.approx(2600, rel=0.03)
    trans_siberian = [o for o in net.sections_open(1913) if o.line.id == "trans_siberian"]
    assert {o.section.to for o in trans_siberian} >= {"petropavl"}
    assert sum(net.inside_km(o, outline) for o in trans_siberian) == pytest.approx(190)


def test_network_in_1940_against_the_seed(net, outline):
    """What our lines give, inside the modern outline, against the seed's 6581 km.

    The data give about 6,420 km inside the outline (7,960 km with the parts outside),
    some 97 % of the seed's figure: the lines by 1918 count their sourced lengths inside
    today's borders, most of the later ones are great-circle estimates. The band is wide on purpose: a gross error (a lost line, a units slip)
    fails it, a nudge to one coordinate does not.
    """
    inside = net.length_open_km(1940, outline)
    assert 0.75 * SEED_NETWORK_1940_KM <= inside <= 1.05 * SEED_NETWORK_1940_KM
    assert inside < net.length_open_km(1940)


def test_sections_without_a_source_year(net):
    undated = [o for o in net.all_sections if o.section.opened is None]
    assert undated and all(o.section.opened_note for o in undated)
    kokshetau = next(o for o in undated if o.section.from_ == "kokshetau")
    assert kokshetau.section.opened_by == 1930
    assert all(o.section.year <= 1940 for o in net.all_sections)


def test_railway_geojson_has_linestrings(net):
    fc = net.to_geojson(1931)
    assert fc["features"] and {f["geometry"]["type"] for f in fc["features"]} == {"LineString"}
    lines = {f["properties"]["line"] for f in fc["features"]}
    assert "turksib" in lines and "karaganda_balkhash" not in lines


# ---- broken files ------------------------------------------------------------------


def _broken_copy(
    tmp_path: Path, source: Path, old: str, new: str, after: str = ""
) -> tuple[Path, int]:
    """Copy ``source`` replacing the first ``old`` found after ``after``; return path, line."""
    text = source.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    pos = text.index(old, start)
    broken = text[:pos] + new + text[pos + len(old) :]
    path = tmp_path / source.name
    path.write_text(broken, encoding="utf-8")
    return path, text.count("\n", 0, pos) + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("lat: 49.80187", "lat: 9.80187", "outside the region"),
        ("  kind: city", "  kind: metropolis", "kind"),
        ("  lat: 49.80187", "  latitude: 49.80187", "unknown field"),
    ],
)
def test_broken_places_file_names_file_line_and_id(tmp_path, old, new, message):
    path, line = _broken_copy(tmp_path, PLACES_FILE, old, new, after="id: karaganda\n")
    with pytest.raises(KazindError) as info:
        load_gazetteer(path)
    err = info.value
    assert err.file == str(path) and err.where == "karaganda" and message in str(err)
    # The error points at the entry: at the bad key, or its place's first line.
    assert err.line is not None and line - 20 <= err.line <= line
    assert str(err).startswith(f"{path}:{err.line}: karaganda: ")


def test_unknown_city_reference_is_located(tmp_path):
    path, line = _broken_copy(tmp_path, PLACES_FILE, "city: semey", "city: semipalatinsk")
    with pytest.raises(KazindError, match="'semipalatinsk' is not a place id") as info:
        load_gazetteer(path)
    assert info.value.line == line and info.value.where == "semey_tannery"


def test_duplicate_id_is_refused(tmp_path):
    path, _ = _broken_copy(tmp_path, PLACES_FILE, "id: karaganda\n", "id: almaty\n")
    with pytest.raises(KazindError, match="duplicate id"):
        load_gazetteer(path)


@pytest.mark.parametrize(
    ("after", "workforce", "message"),
    [
        (
            "id: shymkent_lead_plant\n",
            "  workforce: {workers: 0, year: 1937, source: s, confidence: low}\n",
            "greater than 0",
        ),
        (
            "id: shymkent_lead_plant\n",
            "  workforce: {workers: 900, year: 1937, source: s, confidence: certain}\n",
            "confidence",
        ),
        (
            "id: almaty\n",
            "  workforce: {workers: 900, year: 1937, source: s, confidence: low}\n",
            "has no workforce",
        ),
    ],
)
def test_a_workforce_is_checked(tmp_path, after, workforce, message):
    """A cited workforce needs workers above 0, a year, a source and a confidence, and
    belongs to an enterprise, mine, field or station only."""
    path, _ = _broken_copy(tmp_path, PLACES_FILE, "  lat: ", workforce + "  lat: ", after=after)
    with pytest.raises(KazindError, match=message) as info:
        load_gazetteer(path)
    assert info.value.where == after.removeprefix("id: ").strip()


def test_a_cited_workforce_is_read(tmp_path):
    path, _ = _broken_copy(
        tmp_path,
        PLACES_FILE,
        "  lat: ",
        "  workforce: {workers: 900, year: 1937, source: a history, confidence: low}\n  lat: ",
        after="id: shymkent_lead_plant\n",
    )
    place = load_gazetteer(path)["shymkent_lead_plant"]
    assert place.workforce is not None and place.workforce.workers == 900


def test_capacity_must_be_a_power(tmp_path):
    path, line = _broken_copy(tmp_path, PLACES_FILE, "unit: kW", "unit: kg")
    with pytest.raises(KazindError, match="not a power") as info:
        load_gazetteer(path)
    assert info.value.where == "karaganda_power_station"
    path, line = _broken_copy(tmp_path, PLACES_FILE, "unit: kW", "unit: kilofoo")
    with pytest.raises(KazindError, match="cannot parse unit") as info:
        load_gazetteer(path)
    assert info.value.line == line


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("to: kostanay, opened: 1915", "to: kostanay, opened: 1850", "outside 1890..1950"),
        ("{from: troitsk, to: kostanay", "{from: kostanay, to: troitsk", "consecutive stations"),
        (
            "opened: 1924, opened_range: [1922, 1924]",
            "opened: 1924, opened_range: [1924, 1922]",
            "backwards",
        ),
    ],
)
def test_broken_railways_file_is_located(tmp_path, gaz, old, new, message):
    path, line = _broken_copy(tmp_path, RAILWAYS_FILE, old, new)
    with pytest.raises(KazindError, match=message) as info:
        load_railways(path, gaz)
    assert info.value.file == str(path) and info.value.where
    assert info.value.line is not None and abs(info.value.line - line) <= 12


def test_railway_station_must_be_a_place(tmp_path, gaz):
    text = RAILWAYS_FILE.read_text(encoding="utf-8")
    broken = text.replace("[troitsk, kostanay]", "[troitsk, kustanai]").replace(
        "to: kostanay, opened: 1915", "to: kustanai, opened: 1915"
    )
    assert broken != text
    path = tmp_path / "railways.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(KazindError, match="station 'kustanai' is not a place id") as info:
        load_railways(path, gaz)
    assert info.value.where == "troitsk_kostanay"
    assert info.value.line == text[: text.index("[troitsk, kostanay]")].count("\n") + 1


# ---- command line ------------------------------------------------------------------


def _run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run ``kazind`` through cli.main with only the places command registered."""
    return run_cli(monkeypatch, capsys, ["places"], *args)


def test_cli_csv(monkeypatch, capsys, gaz):
    code, out, _ = _run(monkeypatch, capsys, "places", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert list(rows[0])[:4] == ["id", "kind", "branch", "name_en"]
    assert len(rows) == len(gaz)


def test_cli_geojson_points_and_year(monkeypatch, capsys):
    code, out, _ = _run(
        monkeypatch,
        capsys,
        "places",
        "--kind",
        "enterprise",
        "--year",
        "1934",
        "--format",
        "geojson",
    )
    fc = json.loads(out)
    assert code == 0 and fc["type"] == "FeatureCollection"
    assert {f["geometry"]["type"] for f in fc["features"]} == {"Point"}
    ids = {f["id"] for f in fc["features"]}
    assert "shymkent_lead_plant" in ids and "balkhash_copper_smelter" not in ids


def test_cli_geojson_railway(monkeypatch, capsys):
    code, out, _ = _run(monkeypatch, capsys, "places", "--kind", "railway", "--format", "geojson")
    types = [f["geometry"]["type"] for f in json.loads(out)["features"]]
    assert code == 0 and set(types) == {"Point", "LineString"}


def test_cli_table(monkeypatch, capsys):
    code, out, _ = _run(monkeypatch, capsys, "places", "--kind", "oil_field")
    assert code == 0 and "dossor" in out.replace("\n", "")


def test_a_town_is_a_settlement_before_it_became_a_town(gaz):
    """Karaganda and Ridder were settlements until 1934, Balkhash until 1937."""
    assert (
        gaz["karaganda"].kind_at(1926) == "settlement" and gaz["karaganda"].kind_at(1934) == "city"
    )
    assert gaz["ridder"].kind_at(1933) == "settlement" and gaz["ridder"].kind_at(1939) == "town"
    assert gaz["balkhash"].kind_at(1935) == "settlement" and gaz["balkhash"].kind_at(1937) == "town"
    assert gaz["semey"].kind_at(1913) == "city"  # a town long before 1913


@pytest.mark.parametrize(
    ("lang", "word"), [("ru", "посёлок"), ("kk", "кент"), ("en", "settlement")]
)
def test_cli_shows_the_kind_of_the_year(monkeypatch, capsys, lang, word):
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _ = _run(monkeypatch, capsys, "places", "--year", "1926", "--lang", lang)
    row = next(line for line in out.splitlines() if line.startswith("│ karaganda "))
    assert code == 0 and word in row
    code, out, _ = _run(monkeypatch, capsys, "places", "--year", "1939", "--lang", lang)
    row = next(line for line in out.splitlines() if line.startswith("│ karaganda "))
    assert word not in row


def test_cli_names_of_the_year(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _ = _run(monkeypatch, capsys, "places", "--year", "1939", "--lang", "ru")
    assert code == 0
    assert "Семипалатинск (Семей)" in out and "Алма-Ата (Алматы)" in out and "Караганда" in out
    code, out, _ = _run(
        monkeypatch, capsys, "places", "--year", "1939", "--lang", "ru", "--format", "csv"
    )
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (
        rows["semey"]["name"] == "Семипалатинск (Семей)"
        and rows["karaganda"]["name"] == "Караганда"
    )
    code, out, _ = _run(
        monkeypatch,
        capsys,
        "places",
        "--kind",
        "railway",
        "--year",
        "1913",
        "--lang",
        "en",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert any(
        r["line"] == "trans_siberian" and r["to"] == "Petropavlovsk (Petropavl)" for r in rows
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("places", "--kind", "factory"), "valid kinds: city"),
        (("places", "--format", "xml"), "valid formats: table, csv, geojson"),
        (("places", "--lang", "de"), "unknown language 'de'; valid: kk, ru, en"),
    ],
)
def test_cli_errors_are_one_line(monkeypatch, capsys, args, message):
    code, out, err = _run(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("kazind: error:") and message in err
    assert "Traceback" not in err
