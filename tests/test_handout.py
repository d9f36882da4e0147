"""The handout (kazind.explorer.handout): the lesson as one offline HTML file, and as a PDF."""

from __future__ import annotations

import re

import pytest

from kazind.common.errors import KazindError
from kazind.explorer.handout import build_handout, pick_chapters, write_handout
from kazind.explorer.lesson import load_lesson
from kazind.explorer.lesson.runs import departure_year

SCENARIOS = ["historical", "integrated-development"]


def plain(text: str) -> str:
    """Whitespace collapsed, for comparing texts across line breaks."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def kk_html() -> str:
    return build_handout(SCENARIOS, "kk")


def test_the_html_holds_the_introduction_chapters_quotes_and_questions(kk_html):
    import html as h

    text = plain(h.unescape(re.sub(r"<[^>]+>", " ", kk_html)))
    lesson = load_lesson("kk")
    assert plain(lesson.start.lead) in text
    for c in lesson.chapters:
        assert plain(c.title) in text, c.id
        for q in c.questions:
            assert plain(q) in text, (c.id, q[:40])
        for quote in c.quotes:
            assert plain(quote.quote) in text and quote.fact in text
    for term in lesson.start.glossary:
        assert term.term in text
    assert '<html lang="kk">' in kk_html


def test_the_html_is_self_contained_and_small(kk_html):
    assert "<script" not in kk_html, "no JavaScript: the handout opens and prints as it is"
    assert not re.search(r"""(?:src|href)=["']https?:""", kk_html), (
        "nothing is fetched when it opens"
    )
    assert len(kk_html.encode("utf-8")) < 2_000_000
    assert kk_html.count('<svg class="chart"') == len(load_lesson("kk").chapters)


def test_the_scenarios_are_described_with_what_they_assume(kk_html):
    lesson = load_lesson("kk")
    for bullet in lesson.debate.assumptions["integrated-development"]:
        assert bullet.split(":")[0] in kk_html
    assert "Кешенді даму (Сәдуақасов бағыты)" in kk_html


def test_the_source_text_is_whole_with_the_quotes_marked(kk_html):
    assert 'id="source-text"' in kk_html
    assert "<mark>жүздеген көпірлер қирады</mark>" in kk_html
    assert "Достарыңызбен бөлісу" in kk_html  # byte for byte, the site's button included


def test_chosen_chapters_only():
    html = build_handout(["historical"], "ru", chapters="2,the-debate")
    assert 'id="chapter-nep-restoration"' in html and 'id="chapter-the-debate"' in html
    assert 'id="chapter-war-and-ruin"' not in html and html.count('<section class="chapter"') == 2
    lesson = load_lesson("en")
    assert [c.number for c in pick_chapters(lesson, "3-5")] == [3, 4, 5]
    assert [c.number for c in pick_chapters(lesson, None)] == list(range(1, 10))


@pytest.mark.parametrize(
    ("spec", "message"),
    [("12", "there is no chapter 12; the story has 1-9"), ("famine", "unknown chapter 'famine'")],
)
def test_a_bad_chapter_is_one_line(spec, message):
    with pytest.raises(KazindError, match=re.escape(message)) as err:
        pick_chapters(load_lesson("kk"), spec)
    assert "\n" not in str(err.value)


def test_a_bad_scenario_or_language_is_one_line():
    with pytest.raises(KazindError, match="unknown scenario '?utopia"):
        build_handout(["historical", "utopia"], "kk")
    with pytest.raises(KazindError, match="unknown language '?de"):
        build_handout(["historical"], "de")


def test_the_departure_from_history_is_found_in_the_runs():
    from kazind.explorer import data

    historical = data.scenario_run("historical")
    assert departure_year(historical, historical) is None
    other = data.scenario_run("no-forced-collectivization")
    year = departure_year(other, historical)
    assert year is not None and 1913 <= year <= 1931


def test_pdf_without_chromium_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KAZIND_CHROMIUM", str(tmp_path / "no-chromium"))
    out = tmp_path / "handout.pdf"
    with pytest.raises(KazindError, match=r"needs Chromium at .*apt-get install chromium"):
        write_handout(["historical"], out, "kk", fmt="pdf", chapters="1")
    assert not out.exists()


def test_report_command_chooses_the_handout_and_says_what_is_wrong(monkeypatch, capsys, tmp_path):
    from conftest import run_cli

    out = tmp_path / "h.html"
    code, stdout, err = run_cli(
        monkeypatch,
        capsys,
        ["explorer"],
        "report",
        "historical",
        "--chapters",
        "2",
        "--lang",
        "ru",
        "--out",
        str(out),
    )
    assert (
        code == 0
        and "html, ru" in stdout
        and out.read_text(encoding="utf-8").count('class="chapter"') == 1
    )
    for args, message in [
        (["--format", "docx"], "--format must be html, pdf or interactive"),
        (["--lang", "kk,ru"], "the handout is in one language"),
        (["--chapters", "0"], "there is no chapter 0"),
        (["--format", "interactive", "--chapters", "1"], "--chapters is for the handout"),
    ]:
        code, _o, err = run_cli(
            monkeypatch,
            capsys,
            ["explorer"],
            "report",
            "historical",
            "--out",
            str(tmp_path / "x.html"),
            *args,
        )
        assert code == 2 and message in err and err.count("\n") == 1, (args, err)
    assert not (tmp_path / "x.html").exists()


@pytest.mark.slow
def test_the_pdf_holds_the_introduction_chapters_and_questions_in_kazakh(
    monkeypatch, capsys, tmp_path
):
    """The brief's check: `kazind report historical integrated-development --format pdf
    --lang kk --out handout.pdf`, printed by Chromium and read back with pypdf."""
    from conftest import run_cli

    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / "handout.pdf"
    code, _o, err = run_cli(
        monkeypatch,
        capsys,
        ["explorer"],
        "report",
        "historical",
        "integrated-development",
        "--format",
        "pdf",
        "--lang",
        "kk",
        "--out",
        str(out),
    )
    assert code == 0, err
    assert out.stat().st_size > 50_000 and out.read_bytes().startswith(b"%PDF")
    reader = pypdf.PdfReader(str(out))
    text = plain(" ".join(page.extract_text() for page in reader.pages))
    lesson = load_lesson("kk")
    assert plain(lesson.start.sections[0].title) in text
    assert plain(lesson.start.lead)[:80] in text
    for c in lesson.chapters:
        assert plain(c.title) in text, c.id
        for q in c.questions:
            assert plain(q)[:60] in text, (c.id, q[:60])
    assert len(reader.pages) >= 1 + len(lesson.chapters)  # each chapter starts a page
