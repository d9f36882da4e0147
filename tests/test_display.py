"""What a reader sees of the record: values, units, qualifiers and sources in kk, ru, en."""

from __future__ import annotations

import json
import re

import pytest

from conftest import run_cli
from kazind.common.errors import KazindError
from kazind.record.display import (
    UNIT_LABELS,
    borders_label,
    citation_label,
    format_value,
    kk_suffix,
    source_label,
    unit_label,
    when_label,
)
from kazind.record.facts import default_table

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def table():
    return default_table()


def _plain(text: str) -> str:
    return text.replace(NBSP, " ")


def test_every_unit_of_the_record_has_a_label_in_each_language(table):
    units = {f.unit for f in table if f.unit}
    assert units <= set(UNIT_LABELS), sorted(units - set(UNIT_LABELS))
    assert unit_label("thousand person", "kk") == "мың адам"
    assert unit_label("million rouble", "ru") == "млн руб."
    assert unit_label("million kWh", "kk") == "млн кВт·сағ"
    assert unit_label("km", "en") == "km"


@pytest.mark.parametrize(
    ("fact_id", "kk", "ru", "en"),
    [
        (
            "seed.labour.industrial_workers_1939",
            "115,5 мың адамнан астам",
            "более 115,5 тыс. чел.",
            "more than 115.5 thousand people",
        ),
        (
            "seed.labour.registered_unemployed_1922",
            "50 мың адамға жуық",
            "почти 50 тыс. чел.",
            "nearly 50 thousand people",
        ),
        ("seed.urbanisation.share_in_cities_over_100k_1939", "29,9 %", "29,9 %", "29.9%"),
        ("seed.urbanisation.growth_from_migration", "80 %-ға дейін", "до 80 %", "up to 80%"),
        (
            "seed.industry.non_ferrous_enterprises_working_1927",
            "60 %-дан астам",
            "более 60 %",
            "more than 60%",
        ),
        ("seed.energy.electricity_growth_1913_1940", "486 есе", "в 486 раз", "486 times"),
        ("seed.transport.bridges_destroyed_1920", "жүздеген", "сотни", "hundreds"),
        (
            "seed.labour.eastern_workers_trained",
            "ондаған мың адам",
            "десятки тысяч человек",
            "tens of thousands of people",
        ),
        (
            "ext.population.census_1939_total",
            "6 151 102 адам",
            "6 151 102 чел.",
            "6,151,102 people",
        ),
        ("ext.population.kazakh_share_1939", "шамамен 38 %", "около 38 %", "about 38%"),
        (
            "ext.famine.refugees_1930_1933",
            "665 000–1 100 000 адам",
            "665 000–1 100 000 чел.",
            "665,000–1,100,000 people",
        ),
        (
            "ext.industry.large_industry_output_1913",
            "67 млн сом",
            "67 млн руб.",
            "67 million roubles",
        ),
        ("seed.policy.goloshchekin_raw_material_base", "–", "–", "–"),
    ],
)
def test_format_value_reads_as_the_language(table, fact_id, kk, ru, en):
    fact = table.get(fact_id)
    assert [_plain(format_value(fact, lang)) for lang in ("kk", "ru", "en")] == [kk, ru, en]


@pytest.mark.parametrize(
    ("word", "case", "suffix"),
    [
        ("адам", "abl", "нан"),
        ("адам", "dat", "ға"),
        ("бас", "abl", "тан"),
        ("мың", "dat", "ға"),
        ("км", "abl", "-ден"),
        ("%", "abl", "-дан"),
        ("%", "dat", "-ға"),
        ("есе", "dat", "ге"),
    ],
)
def test_kazakh_case_endings(word, case, suffix):
    assert kk_suffix(word, case) == suffix


def test_sources_are_labelled_for_the_reader(table):
    ext = table.get("ext.population.census_1939_total")
    assert "(ағылшын тілінде)" in citation_label(
        ext, "kk"
    ) and "сенімділігі: жоғары" in citation_label(ext, "kk")
    assert "(на английском языке)" in citation_label(ext, "ru") and "высокая" in citation_label(
        ext, "ru"
    )
    assert citation_label(ext, "en").endswith("confidence: high")
    assert (
        source_label(ext, "ru").endswith("(англ.) · высокая") and len(source_label(ext, "ru")) < 90
    )
    seed = table.get("seed.labour.workers_1926")
    assert (
        source_label(seed, "kk") == "бастапқы мәтін"
        and citation_label(seed, "ru", "Заглавие") == "Заглавие"
    )
    assert when_label(seed, "ru") == "17.12.1926" and when_label(seed, "en") == "1926-12-17"
    assert borders_label(ext.borders, "ru").startswith(
        "Казакская АССР 1926 года без Каракалпакской"
    )


def test_unknown_language_is_an_error(table):
    with pytest.raises(KazindError, match="unknown language 'fr'"):
        format_value(table.get("seed.labour.workers_1926"), "fr")


# Latin words a Russian or Kazakh reader may meet: Roman numerals, the site names the
# record cites inside its notes.
ALLOWED_LATIN = {"XIV", "e-history", "kz"}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_facts_in_the_readers_language_show_no_english(monkeypatch, capsys, lang):
    code, out, _ = run_cli(
        monkeypatch, capsys, ["facts"], "facts", "--lang", lang, "--format", "json"
    )
    assert code == 0
    for row in json.loads(out):
        for key in ("statement", "value_text", "note"):
            words = set(re.findall(r"[A-Za-z][A-Za-z\-]*", row[key] or ""))
            assert words <= ALLOWED_LATIN, (row["id"], key, words - ALLOWED_LATIN)
    monkeypatch.setenv("COLUMNS", "500")
    code, out, _ = run_cli(
        monkeypatch,
        capsys,
        ["facts"],
        "facts",
        "--lang",
        lang,
        "--topic",
        "labour",
        "--year",
        "1939",
    )
    heading = out.splitlines()[0] + out.splitlines()[2]
    assert not set(re.findall(r"[A-Za-z]+", heading)) - {"id"}, heading
