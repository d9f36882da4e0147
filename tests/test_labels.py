"""The model's catalogue of labels (model/data/labels.yaml): every variable and sector named
for readers in kk, ru and en.

When the model gains a variable, the first test names it: add its name and description
in the three languages to labels.yaml.
"""

from __future__ import annotations

import pytest

from kazind.common.errors import KazindError
from kazind.common.yamlio import load_yaml
from kazind.model.labels import (
    LANGS,
    description,
    element_label,
    label,
    load_labels,
    missing_element_labels,
    missing_labels,
    sector_label,
)
from kazind.model.sectors import MODEL_FILE, sector_names, variable_sectors


def test_every_variable_and_sector_of_the_model_has_labels():
    missing = missing_labels(list(variable_sectors()), sector_names())
    assert not missing, f"add these to src/kazind/model/data/labels.yaml (kk, ru, en): {missing}"


def test_no_label_for_a_variable_the_model_no_longer_has():
    stale = sorted(set(load_labels().names) - set(variable_sectors()))
    assert not stale, f"labels.yaml names variables the model lacks: {stale}"


def test_every_element_of_the_model_has_a_label_and_none_is_stale():
    dims = load_yaml(MODEL_FILE).data["dimensions"]
    missing = missing_element_labels(dims)
    assert not missing, f"add these to 'elements:' in src/kazind/model/data/labels.yaml: {missing}"
    elements = load_labels().elements
    stale = [f"{d}.{e}" for d, table in elements.items() for e in table if e not in dims.get(d, ())]
    assert not stale, f"labels.yaml names elements the model lacks: {stale}"
    assert element_label("sheep_goats", "kk") == "қой мен ешкі"
    assert element_label("camels", "ru", "species") == "верблюды"
    assert element_label("almaty", "kk") is None  # cities: the gazetteer's names of the year


def test_labels_are_translations_not_copies():
    labels = load_labels()
    for table in (labels.names, labels.descriptions, labels.sectors, *labels.elements.values()):
        for key, texts in table.items():
            assert set(texts) == set(LANGS)
            for lang in ("kk", "ru"):
                assert texts[lang] != texts["en"], (key, lang)
                assert not any(
                    "a" <= c.lower() <= "z" for c in texts[lang].replace("GOELRO", "")
                ) or key in ("electrification_start",), (key, lang, texts[lang])
            assert texts["kk"] != texts["ru"], key


def test_names_are_unique_within_a_language():
    names = load_labels().names
    for lang in LANGS:
        seen: dict[str, str] = {}
        for var, texts in names.items():
            assert texts[lang] not in seen, (lang, texts[lang], var, seen.get(texts[lang]))
            seen[texts[lang]] = var


def test_lookups_fall_back_to_english_then_the_name():
    assert label("investment_scale", "kk") == load_labels().names["investment_scale"]["kk"]
    assert description("investment_scale", "ru").startswith("Рычаг")
    assert label("no_such_variable", "kk") == "no_such_variable"
    assert description("no_such_variable", "kk") == ""
    assert sector_label("transport", "kk") == "Көлік"


def test_a_broken_catalogue_is_one_clear_error(tmp_path):
    bad = tmp_path / "labels.yaml"
    bad.write_text(
        "variables:\n  x:\n    name: {kk: a, ru: b}\n    description: {kk: a, ru: b, en: c}\n"
    )
    with pytest.raises(KazindError, match="missing the en text"):
        load_labels(bad)
