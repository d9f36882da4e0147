"""The explorer as a lesson, in a real browser: the start tab first, the whole story in
Kazakh, a chapter opened from its URL, a scenario's description, a lever moved on a
counterfactual, an event found on the timeline.

The server and the browser are those of :mod:`test_browser` (``kazind serve`` on a free
loopback port, Debian's Chromium through Playwright); each test gets a fresh page that
fails on any console error or uncaught page error and leaves a screenshot in
``test-artifacts/``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kazind.explorer import ids as I
from kazind.explorer.lesson import load_lesson
from kazind.explorer.pages import debate, events, story
from test_browser import ARTIFACTS, TIMEOUT_MS, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
VIEWPORT = {"width": 1440, "height": 900}
# a chapter, a lever run or the first view of a tab is one server request, but the page's
# other tabs ask for theirs at the same time on a shared machine
expect.set_options(timeout=30_000)


@pytest.fixture
def lesson_page(browser, server, request):  # noqa: F811 - the fixtures above
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS * 2)
    pg = context.new_page()
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error":
            errors.append(f"console.error: {msg.text} ({msg.location.get('url', '')})")

    pg.on("console", on_console)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    yield pg, server, errors
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=False)
    finally:
        context.close()
    if errors:
        pytest.fail("the browser reported errors:\n" + "\n".join(errors))


def visible_panel(pg: Page):
    return pg.locator(".kz-panel:not([hidden])")


def test_a_bare_url_opens_the_start_tab_in_kazakh(lesson_page):
    pg, url, _errors = lesson_page
    pg.goto(url)
    start = load_lesson("kk").start
    expect(pg.locator(f"#{I.tab('start')}")).to_have_attribute("aria-selected", "true")
    expect(visible_panel(pg)).to_contain_text(start.title)
    expect(visible_panel(pg)).to_contain_text(start.sections[1].title)  # what a model is and is not
    expect(pg.locator("#start-glossary dt").first).to_be_visible()
    # the whole source text opens in the page, the quoted sentences marked
    pg.locator("#start-source-text summary").click()
    expect(pg.locator("#start-source-text mark").first).to_be_visible()
    expect(pg.locator("#start-source-text")).to_contain_text("Достарыңызбен бөлісу")


def test_walk_the_whole_story_in_kazakh(lesson_page):
    pg, url, _errors = lesson_page
    lesson = load_lesson("kk")
    pg.goto(url + "?tab=story")
    for i, chapter in enumerate(lesson.chapters):
        expect(pg.locator("#story-title")).to_have_text(chapter.title)
        expect(pg.locator("#story-questions li")).to_have_count(len(chapter.questions))
        expect(pg.locator(".kz-lesson-quote").first).to_contain_text(chapter.quotes[0].fact)
        expect(pg.locator(f"#{story.chart_id(0)} .main-svg").first).to_be_attached()
        expect(pg.locator(f"#{story.MAP_ID} .main-svg").first).to_be_attached()
        assert f"chapter={chapter.id}" in pg.url or (i == 0 and "chapter" not in pg.url)
        if i + 1 < len(lesson.chapters):
            pg.locator(f"#{story.NEXT}").click()


def test_a_chapter_opens_from_its_url_in_russian(lesson_page):
    pg, url, _errors = lesson_page
    chapter = load_lesson("ru").chapter("collectivisation-famine")
    pg.goto(url + "?lang=ru&tab=story&chapter=collectivisation-famine")
    expect(pg.locator("#story-title")).to_have_text(chapter.title)
    expect(pg.locator("html")).to_have_attribute("lang", "ru")
    # the Kazakh source sentence with the record's Russian statement beside it
    expect(pg.locator(".kz-lesson-quote").first).to_contain_text("ашаршылық")
    expect(pg.locator(".kz-lesson-quote .kz-quote-tr").first).to_contain_text(
        re.compile("голод", re.IGNORECASE)
    )
    pg.locator(f"#{story.PREV}").click()
    expect(pg).to_have_url(re.compile(r"chapter=turksib-first-plan"))


def test_a_scenario_shows_its_description_and_the_debate_is_ticked(lesson_page):
    pg, url, _errors = lesson_page
    lesson = load_lesson("kk")
    pg.goto(url + "?tab=debate")
    pick = pg.locator(f"#{debate.PICK}")
    for name in lesson.debate.default_scenarios:
        expect(pick.locator(f"input[value='{name}']")).to_be_checked()
    option = pg.locator("#debate-option-integrated-development")
    expect(option).to_contain_text(lesson.debate.assumptions["integrated-development"][0])
    option.locator("summary").click()
    expect(option).to_contain_text("Сәдуақасов")
    expect(pg.locator(f"#{debate.KEY}")).to_contain_text("Кешенді даму")
    # the departure from history is drawn on the charts (a dotted line per counterfactual)
    expect(pg.locator(f"#{debate.panel_id('industry')} .shapelayer path").first).to_be_attached()


def test_a_lever_moves_a_counterfactual_and_goes_into_the_url(lesson_page):
    pg, url, _errors = lesson_page
    pg.goto(url + "?tab=debate&on=integrated-development")
    expect(pg.locator(f"#{debate.KEY}")).to_contain_text("Кешенді даму")
    thumb = pg.locator(f"#{debate.lever_id('organised_recruitment_level')} [role=slider]")
    expect(thumb).to_have_attribute("aria-valuenow", "1")
    thumb.focus()
    thumb.press("ArrowRight")  # ×1 -> ×2
    expect(thumb).to_have_attribute("aria-valuenow", "2")
    expect(pg.locator(f"#{debate.KEY}")).to_contain_text("сіздің тетіктеріңізбен")
    steps = ["2" if name == "organised_recruitment_level" else "1" for name in I.LEVERS]
    expect(pg).to_have_url(re.compile(f"levers=({'%2C'.join(steps)}|{','.join(steps)})(&|$)"))
    # the tooltip says what the lever stands for
    tip = load_lesson("kk").debate.levers["organised_recruitment_level"].tooltip
    expect(pg.locator(f"#{debate.lever_id('organised_recruitment_level')}-help")).to_have_text(tip)
    # the link opens the same view
    pg.goto(pg.url)
    expect(
        pg.locator(f"#{debate.lever_id('organised_recruitment_level')} [role=slider]")
    ).to_have_attribute("aria-valuenow", "2")
    expect(pg.locator(f"#{debate.KEY}")).to_contain_text("сіздің тетіктеріңізбен")


def test_an_event_marker_is_on_the_timeline_and_tells_what_happened(lesson_page):
    pg, url, _errors = lesson_page
    lesson = load_lesson("kk")
    pg.goto(url + "?tab=timeline")
    graph = pg.locator(f"#{events.GRAPH}")
    expect(graph.locator(".main-svg").first).to_be_attached()
    famine = next(e for e in lesson.events if e.id == "famine-1930-1933")
    expect(graph.locator("text", has_text=famine.label).first).to_be_attached()
    pg.locator(f"#{events.GRAPH}-title").scroll_into_view_if_needed()
    pg.locator(".kz-events-block summary").click()
    pg.locator(f"[data-event='{famine.id}']").click()
    expect(pg.locator(f"#{events.DETAIL}")).to_contain_text(famine.text)
    expect(pg.locator(f"#{events.DETAIL}")).to_contain_text("seed.population.famine_1932_1933")


def test_the_map_year_is_in_the_link(lesson_page):
    pg, url, _errors = lesson_page
    pg.goto(url + "?tab=map&year=1931")
    thumb = pg.locator(f"#{I.YEAR_SLIDER} [role=slider]")
    expect(thumb).to_have_attribute("aria-valuenow", "1931")
    thumb.focus()
    thumb.press("End")
    expect(thumb).to_have_attribute("aria-valuenow", "1940")
    expect(pg).to_have_url(re.compile(r"year=1940"))


#: The map's key and its town names as a phone draws them: (the height of the key's
#: scroll bar, which plotly gives a key too tall for its chart; the town names shown).
MAP_ON_SCREEN = """(id) => {
    const map = document.getElementById(id);
    const bar = map.querySelector('g.legend rect.scrollbar');
    const towns = [...map.querySelectorAll('g.trace')].find(
        g => g.querySelector(':scope > g.points > *') && g.querySelector(':scope > g.text > g.textpoint'));
    const names = towns ? [...towns.querySelectorAll(':scope > g.text > g.textpoint')]
        .filter(t => getComputedStyle(t).display !== 'none' && t.textContent.trim()) : [];
    return [bar ? parseFloat(bar.getAttribute('height') || '0') : 0, names.length];
}"""


@pytest.mark.parametrize(("chapter", "tab"), [("collectivisation-famine", "story"), (None, "map")])
def test_on_a_phone_the_map_shows_its_whole_key_and_the_largest_towns_names(
    browser,  # noqa: F811 - the fixture above
    server,  # noqa: F811
    chapter,
    tab,
):
    """At 390 px the map's key stands whole under it (not in a scrolling box that cuts it),
    and only the largest towns are named (the others' names in their tooltips), where
    the south's names ran into each other."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    try:
        pg.goto(server + f"?tab={tab}" + (f"&chapter={chapter}" if chapter else ""))
        graph = story.MAP_ID if tab == "story" else I.MAP_GRAPH
        expect(pg.locator(f"#{graph} g.legend").first).to_be_attached()
        pg.wait_for_function(
            "(id) => document.querySelector('#' + id + ' g.trace > g.text > g.textpoint')",
            arg=graph,
        )
        bar, names = pg.evaluate(MAP_ON_SCREEN, graph)
        assert bar == 0, f"the map's key scrolls in a box ({bar} px bar)"
        assert 3 <= names <= 8, names
    finally:
        context.close()
