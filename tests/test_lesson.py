"""The lesson's content (kazind.explorer.lesson): texts per language, checked against the
source text, the record, the model and the scenarios."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kazind.common.errors import KazindError
from kazind.explorer.lesson import LANGS, lesson_problems, load_lesson
from kazind.explorer.lesson.content import LESSON_DIR, collation_key
from kazind.record.documents import document_text
from kazind.record.facts import default_table

# The story of the brief, in its order.
CHAPTERS = [
    "war-and-ruin",
    "nep-restoration",
    "the-debate",
    "turksib-first-plan",
    "collectivisation-famine",
    "second-third-plans",
    "new-working-class",
    "towns-and-migration",
    "shortcomings",
]
# Terms a newcomer meets on the page, which the glossary must explain.
TERMS = [
    "model",
    "calibration",
    "scenario",
    "lever",
    "uncertainty_band",
    "organised_recruitment",
    "raw_material_base",
    "integrated_development",
    "sedentarisation",
    "collectivisation",
    "nep",
    "five_year_plan",
    "mechanical_growth",
]
KAZAKH_LETTERS = set("әғқңөұүһі")
ROMAN = re.compile(r"[IVXLC]+")


@pytest.fixture(scope="module")
def lessons():
    return {lang: load_lesson(lang) for lang in LANGS}


def all_texts(lesson) -> list[str]:
    """Every text a reader of ``lesson`` sees (not the quotes, which are the source's Kazakh)."""
    s, d = lesson.start, lesson.debate
    out = [s.title, s.lead, s.glossary_title, lesson.story_title, d.title, *d.paragraphs]
    out += [x for sec in s.sections for x in (sec.title, *sec.paragraphs)]
    out += [x for t in s.glossary for x in (t.term, t.definition)]
    out += [x for c in lesson.chapters for x in (c.title, *c.paragraphs, *c.questions)]
    out += [x for line in d.lines for x in (line.name, *line.paragraphs)]
    out += [x for bullets in d.assumptions.values() for x in bullets]
    out += [x for lever in d.levers.values() for x in (lever.label, lever.tooltip)]
    out += [x for e in lesson.events for x in (e.label, e.text)]
    return out


def test_the_lesson_is_sound():
    """Quotes verbatim and tied to their facts, ids in the record, variables in the model,
    scenarios shipped, levers of the model explained: no problem at all."""
    assert lesson_problems() == []


def test_every_quote_is_verbatim_and_names_an_existing_fact(lessons):
    text = document_text("seed-kk-industrialization")
    facts = default_table()
    lesson = lessons["kk"]
    quotes = [q for c in lesson.chapters for q in c.quotes] + [
        q for line in lesson.debate.lines for q in line.quotes
    ]
    assert len(quotes) >= 30
    for q in quotes:
        assert q.quote in text, q.quote
        assert q.fact in facts.by_id, q.fact
    assert all(c.quotes for c in lesson.chapters), "every chapter quotes the text"


def test_nine_chapters_in_the_order_of_the_period(lessons):
    for lang, lesson in lessons.items():
        assert lesson.chapter_ids() == CHAPTERS, lang
        assert [c.number for c in lesson.chapters] == list(range(1, 10))
        for c in lesson.chapters:
            assert 2 <= len(c.questions) <= 4 and len(c.paragraphs) >= 2, (lang, c.id)
            assert 1913 <= c.map_year <= 1940 and c.chart


def test_every_language_has_the_same_ids_and_as_many_paragraphs(lessons):
    kk = lessons["kk"]
    for lang in ("ru", "en"):
        other = lessons[lang]
        assert {s.id: len(s.paragraphs) for s in other.start.sections} == {
            s.id: len(s.paragraphs) for s in kk.start.sections
        }
        assert {t.id for t in other.start.glossary} == {t.id for t in kk.start.glossary}
        assert [(c.id, len(c.paragraphs), len(c.questions)) for c in other.chapters] == [
            (c.id, len(c.paragraphs), len(c.questions)) for c in kk.chapters
        ]
        assert set(other.debate.levers) == set(kk.debate.levers)
        assert {k: len(v) for k, v in other.debate.assumptions.items()} == {
            k: len(v) for k, v in kk.debate.assumptions.items()
        }
        assert [e.id for e in other.events] == [e.id for e in kk.events]
        # structure is shared, not translated
        assert [c.quotes for c in other.chapters] == [c.quotes for c in kk.chapters]


def test_the_glossary_explains_the_page_and_is_alphabetical(lessons):
    for lang, lesson in lessons.items():
        ids = [t.id for t in lesson.start.glossary]
        assert set(TERMS) <= set(ids), (lang, set(TERMS) - set(ids))
        terms = [t.term for t in lesson.start.glossary]
        assert terms == sorted(terms, key=lambda t: collation_key(t, lang)), lang


def test_kazakh_alphabetical_order_puts_kazakh_letters_in_place():
    words = ["ұжым", "аға", "әке", "бала", "іні", "қала", "кітап"]
    assert sorted(words, key=lambda w: collation_key(w, "kk")) == [
        "аға",
        "әке",
        "бала",
        "кітап",
        "қала",
        "ұжым",
        "іні",
    ]


def test_kazakh_and_russian_texts_have_no_english_words(lessons):
    """A reader of kk or ru meets no Latin-script word but the record's ids the start tab
    explains (seed.…, ext.…) and the Roman numerals of congresses (XIV съезд)."""
    latin = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
    allowed = {"seed.labour.workers_1926", "ext"}
    for lang in ("kk", "ru"):
        for text in all_texts(lessons[lang]):
            words = {w.rstrip(".") for w in latin.findall(text)} - set(
                filter(ROMAN.fullmatch, latin.findall(text))
            )
            assert words <= allowed, (lang, words - allowed, text[:80])


def test_the_kazakh_texts_are_kazakh(lessons):
    """Each Kazakh chapter and section is written in Kazakh (its letters), not Russian."""
    lesson = lessons["kk"]
    for c in lesson.chapters:
        for block in (*c.paragraphs, *c.questions):
            assert KAZAKH_LETTERS & set(block), (c.id, block[:60])
    for sec in lesson.start.sections:
        for p in sec.paragraphs:
            assert KAZAKH_LETTERS & set(p), (sec.id, p[:60])


def test_russian_and_english_texts_use_the_names_of_the_period(lessons):
    """Alma-Ata, Semipalatinsk, Kzyl-Orda in the Russian and English texts; today's name
    only in an aside ("ныне Алматы", "today Almaty")."""
    today = {
        "ru": ("Алматы", "Семей", "Кызылорд", "Шымкент", "Атырау", "Актобе"),
        "en": ("Almaty", "Semey", "Kyzylorda", "Shymkent", "Aktobe", "Atyrau"),
    }
    aside = {"ru": "ныне ", "en": "today "}
    for lang, names in today.items():
        for text in all_texts(lessons[lang]):
            for name in names:
                for m in re.finditer(name, text):
                    before = text[max(0, m.start() - len(aside[lang]) - 1) : m.start()]
                    assert aside[lang] in before, (lang, name, text[:80])
    ru = " ".join(all_texts(lessons["ru"]))
    assert "Алма-Ат" in ru and "Семипалатинск" in ru and "Кзыл-Орд" in ru


def test_the_famine_is_named_with_its_weight(lessons):
    """The chapter on collectivisation names the famine as the catastrophe it was, with the
    historians' estimate, the refugees and the day of remembrance, in every language."""
    for lang, lesson in lessons.items():
        chapter = lesson.chapter("collectivisation-famine")
        text = " ".join(chapter.paragraphs)
        assert "1,5" in text or "1.5" in text, lang
        assert "665" in text and "31" in text, lang
        assert "cameron-2018" in chapter.sources


def test_events_are_dated_and_sourced_in_time_order(lessons):
    facts = default_table()
    for lang, lesson in lessons.items():
        times = [e.date.time for e in lesson.events]
        assert times == sorted(times), lang
        for e in lesson.events:
            assert e.facts or e.sources, e.id
            assert all(f in facts.by_id for f in e.facts), e.id
            assert all(s in lesson.sources for s in e.sources), e.id
            assert e.label and len(e.label) <= 40, (lang, e.id, e.label)
    ids = {e.id for e in lessons["kk"].events}
    for required in (
        "nep-1921",
        "famine-1921-1922",
        "xiv-congress-1925",
        "capital-kzyl-orda-1925",
        "capital-alma-ata-1929",
        "turksib-1927-1931",
        "first-plan-1928",
        "bai-confiscation-1928",
        "collectivisation-1929-1931",
        "famine-1930-1933",
        "karlag-1931",
        "karaganda-railway-1931",
        "deportation-1937",
        "balkhash-copper-1938",
        "census-1939",
    ):
        assert required in ids, required


def test_every_lever_and_scenario_is_explained(lessons):
    from kazind.model import POLICY_LEVERS

    for lang, lesson in lessons.items():
        for name in POLICY_LEVERS:
            lever = lesson.debate.levers[name]
            assert not lever.planned and lever.label and len(lever.tooltip) > 60, (lang, name)
        assert set(lesson.debate.default_scenarios) >= {
            "historical",
            "raw-material-base",
            "integrated-development",
        }
        assert {line.id for line in lesson.debate.lines} == {"goloshchekin", "sadvakasov"}


# ---------------------------------------------------------------- the checks find mistakes


@pytest.fixture()
def copy(tmp_path) -> Path:
    """A copy of the lesson's files to break."""
    target = tmp_path / "lesson"
    shutil.copytree(LESSON_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_quote_not_in_the_text_is_reported(copy):
    edit(copy / "structure.yaml", "жүздеген көпірлер қирады", "мыңдаған көпірлер қирады")
    problems = lesson_problems(("kk",), copy)
    assert any("war-and-ruin" in p and "not in the source text" in p for p in problems), problems


def test_a_quote_under_the_wrong_fact_is_reported(copy):
    edit(
        copy / "structure.yaml",
        "fact: seed.transport.bridges_destroyed_1920",
        "fact: seed.transport.wagons_needing_repair_1920",
    )
    problems = lesson_problems(("kk",), copy)
    assert any(
        "does not contain seed.transport.wagons_needing_repair_1920's own quote" in p
        for p in problems
    ), problems


def test_an_unknown_fact_variable_and_lever_are_reported(copy):
    edit(
        copy / "structure.yaml",
        "fact: seed.transport.bridges_destroyed_1920",
        "fact: seed.transport.bridges_1920",
    )
    edit(copy / "structure.yaml", "rolling_stock_condition]", "rolling_stock]")
    edit(copy / "structure.yaml", "    procurement_rate: {}", "    procurement_pace: {}")
    edit(copy / "kk" / "debate.yaml", "  procurement_rate:", "  procurement_pace:")
    edit(
        copy / "structure.yaml",
        "    union_investment_factor: {}",
        "    union_investment_factor: {planned: true}",
    )
    problems = lesson_problems(("kk",), copy)
    assert any("unknown fact 'seed.transport.bridges_1920'" in p for p in problems), problems
    assert any("'rolling_stock' is not a variable of the model" in p for p in problems), problems
    assert any("'procurement_pace' is not a lever of the model" in p for p in problems), problems
    assert any("no text for the model's lever 'procurement_rate'" in p for p in problems), problems
    assert any(
        "'union_investment_factor' is now a lever of the model; remove `planned`" in p
        for p in problems
    ), problems


def test_a_translation_missing_a_chapter_names_file_and_line(copy):
    path = copy / "ru" / "story.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  shortcomings:")
    path.write_text(text[:start], encoding="utf-8")
    with pytest.raises(KazindError) as err:
        load_lesson("ru", copy)
    message = str(err.value)
    assert "ru/story.yaml:" in message and "shortcomings" in message


def test_a_translation_with_a_question_too_few_names_file_and_line(copy):
    path = copy / "en" / "story.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("      - >-\n        Write two sentences")
    path.write_text(text[:start], encoding="utf-8")
    with pytest.raises(
        KazindError, match=r"en/story\.yaml:\d+: .*2 items where the Kazakh file has 3"
    ):
        load_lesson("en", copy)


def test_a_bad_event_date_is_one_clear_line(copy):
    edit(copy / "structure.yaml", "date: 1921-03", "date: 1921-13")
    with pytest.raises(KazindError, match=r"structure\.yaml:\d+: date: '1921-13' is not a date"):
        load_lesson("kk", copy)
