"""The explorer in a real browser: Playwright drives Debian's Chromium against ``kazind serve``.

One server (``kazind serve --port <free port>`` in a subprocess, bound to 127.0.0.1) and one
browser serve the whole module; every test gets a fresh browser context (so the page's
session persistence starts empty), fails on any console error or uncaught page error,
and leaves a full-page screenshot in ``test-artifacts/<test name>.png``.

What a reader of Kazakh or Russian sees is checked tab by tab, at a laptop's size
(1440x900) and a phone's (390x844): no Latin-script word outside a short allow-list, no
horizontal overflow, every chart as wide as its column, and axe-core (the npm package,
``npm ci`` installs it; injected by Playwright) finds no serious or critical violation;
a screenshot of each tab is left in ``test-artifacts/tab-<lang>-<width>-<tab>.png``.

Elements are found only through :mod:`kazind.explorer.ids` and the tab registry. Waits go
through Playwright's auto-waiting assertions (``expect``) and ``wait_for_function`` on the
page's own state, never sleeps. Playwright's browser download is never used: if
``/usr/bin/chromium`` is missing these tests fail and say how to install it (CI does, in
``.ci/run``).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from kazind.explorer import ids as I
from kazind.explorer.i18n import translator
from kazind.explorer.pages import page_keys

pytestmark = pytest.mark.slow
expect.set_options(timeout=20_000)  # a callback may run the model on a busy machine

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
START_TIMEOUT_S = 90
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000  # one callback may compile or run the model

TITLE = {
    lang: translator(lang)("Industrialization of Kazakhstan, 1913-1940")
    for lang in ("kk", "ru", "en")
}
TIMELINE_TAB = {lang: translator(lang)("Timeline") for lang in ("kk", "ru", "en")}
LANG_LABEL = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
#: The map's title says how many km of railway the record has open, the thousands grouped
#: by a (non-breaking) space in kk and ru, by a comma in en.
GROUPED = {"kk": r"\d[\u00a0\u202f ]\d{3}", "ru": r"\d[\u00a0\u202f ]\d{3}", "en": r"\d,\d{3}"}
RAIL_KM = {
    lang: re.compile(
        rf"{translator(lang)('railways of the record')}: {GROUPED[lang]} {translator(lang)('km')}"
    )
    for lang in TITLE
}
#: Percentages in the outcome table: a decimal comma in kk and ru, a point in en.
PERCENT = {
    "kk": re.compile(r"^\d+,\d[\u00a0\u202f ]?%$"),
    "ru": re.compile(r"^\d+,\d[\u00a0\u202f ]?%$"),
    "en": re.compile(r"^\d+\.\d[\u00a0\u202f ]?%$"),
}
BALKHASH = "balkhash_copper_smelter"  # started in 1938

#: Latin-script words a Kazakh or Russian reader may see: file formats on buttons and
#: Roman numerals (XIV congress). Text marked as another language (``lang="en"``: the
#: model file's English notes, an English citation), code (equations) and the language
#: menu (each language's own name) are not scanned.
LATIN_ALLOWED = {"CSV", "PNG"}
ROMAN = re.compile(r"^[IVXLC]+$")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")

#: Every text and reader-facing attribute of the page (visible or read aloud), and every
#: hover text of its charts, except what is marked as another language or as code.
READER_TEXTS = """() => {
    const skip = (el) => el.closest('[lang]:not([lang=kk]):not([lang=ru]), code, script, style, .kz-lang, [hidden]')
        || (!(el instanceof SVGElement) && el.getClientRects().length === 0 && !el.closest('.modebar'));
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (el && !skip(el) && node.textContent.trim()) out.push(node.textContent.trim());
    }
    for (const el of document.body.querySelectorAll('[title], [aria-label], [placeholder], [alt], [data-title]')) {
        if (skip(el)) continue;
        for (const a of ['title', 'aria-label', 'placeholder', 'alt', 'data-title']) {
            const v = el.getAttribute(a);
            if (v) out.push(v);
        }
    }
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        if (skip(gd) || !gd._fullData) continue;
        for (const t of gd._fullData) {
            const h = Array.isArray(t.hovertext) ? t.hovertext : (t.hovertext ? [t.hovertext] : []);
            for (const x of h) if (x) out.push(String(x).replace(/<[^>]+>/g, ' '));
            if (t.name && t.showlegend !== false) out.push(String(t.name).replace(/<[^>]+>/g, ' '));
        }
    }
    return out;
}"""


# ---------------------------------------------------------------- fixtures


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("kazind")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "kazind"]
    return [*base, "serve", "--host", "127.0.0.1", "--port", str(port)]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    """``kazind serve`` on a free loopback port; its URL once ``/`` answers."""
    port = _free_port()
    workdir = tmp_path_factory.mktemp("serve")  # no ./scenarios of the checkout
    log_path = workdir / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            _serve_command(port), cwd=workdir, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"kazind serve exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"kazind serve did not answer {url} in {START_TIMEOUT_S} s:\n{log_path.read_text()}"
                )
            time.sleep(0.2)  # polling the server's start, not waiting on the page
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium "
            "(apt-get install --no-install-recommends chromium; .ci/run does this). "
            "Playwright's own browser download is not used."
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, server, request, viewport=DESKTOP, query: str = ""):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error":
            errors.append(f"console.error: {msg.text} ({msg.location.get('url', '')})")

    pg.on("console", on_console)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.goto(server + query)
    expect(pg.locator(f"#{I.TITLE}")).not_to_be_empty()
    return context, pg, errors


def _close(context, pg, errors, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
    if errors:
        pytest.fail("the browser reported errors:\n" + "\n".join(errors))


@pytest.fixture
def page(browser, server, request):
    """A fresh page on the explorer; fails the test on any console error or page error."""
    context, pg, errors = _open(browser, server, request)
    yield pg
    _close(context, pg, errors, request.node.name)


# ---------------------------------------------------------------- helpers


def open_tab(page: Page, key: str) -> None:
    """Click the tab ``key`` and wait until it is the selected one and its panel shows."""
    target = page.locator(f"#{I.tab(key)}")
    target.click()
    expect(target).to_have_attribute("aria-selected", "true")
    expect(page.locator(f"#{I.panel(key)}")).to_be_visible()


def choose(page: Page, dropdown_id: str, label: str) -> None:
    """Pick the option ``label`` of a dcc.Dropdown (Dash 4: a button and a listbox)."""
    page.locator(f"#{dropdown_id}").click()
    page.get_by_role("option", name=label, exact=True).click()
    if page.get_by_role("listbox").count():
        page.keyboard.press("Escape")


def set_slider(page: Page, slider_id: str, value: int) -> None:
    """Set a whole-number dcc.Slider (step 1) as a reader would: type into its number box
    and leave it, or, if the slider has no box, with the keyboard from its start."""
    thumb = page.locator(f"#{slider_id} [role=slider]")
    box = page.locator(f"#{slider_id} input[type=number]")
    if box.count():
        box.fill(str(value))
        box.press("Tab")
    else:
        thumb.focus()
        thumb.press("Home")
        low = int(float(thumb.get_attribute("aria-valuemin")))
        for _ in range(value - low):
            thumb.press("ArrowRight")
    expect(thumb).to_have_attribute("aria-valuenow", str(value))


def press_slider(page: Page, slider_id: str, key: str) -> str:
    """Press ``key`` (Home, End, ArrowLeft...) on a slider's handle; its new value."""
    thumb = page.locator(f"#{slider_id} [role=slider]")
    before = thumb.get_attribute("aria-valuenow")
    thumb.focus()
    thumb.press(key)
    expect(thumb).not_to_have_attribute("aria-valuenow", before)
    return thumb.get_attribute("aria-valuenow")


def switch_language(page: Page, lang: str) -> None:
    page.locator(f"#{I.LANG}").get_by_label(LANG_LABEL[lang], exact=True).check()
    expect(page.locator(f"#{I.TITLE}")).to_have_text(TITLE[lang])


def map_title(page: Page):
    return page.locator(f"#{I.MAP_GRAPH} .gtitle")


def map_hover_texts(page: Page) -> list[str]:
    """Every hover text of the map figure as plotly drew it (``_fullData``)."""
    return page.evaluate(
        """(id) => {
            const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            return gd._fullData.flatMap(t => Array.isArray(t.hovertext) ? t.hovertext : []);
        }""",
        I.MAP_GRAPH,
    )


def table_column(page: Page, table_id: str, column_id: str):
    return page.locator(f"#{table_id} td[data-dash-column='{column_id}']")


def first_percent(page: Page):
    """The first percentage of the historical run in the outcome table."""
    return table_column(page, I.OUTCOME_TABLE, "historical").filter(has_text="%").first


def data_scenario_names() -> tuple[str, ...]:
    from kazind.explorer.data import scenario_names

    return scenario_names()


def wait_for_tab(page: Page, key: str) -> None:
    """Wait until what the tab ``key`` shows is drawn (charts, tables, the diagram)."""
    panel = page.locator(f"#{I.panel(key)}")
    graphs = panel.locator(".js-plotly-plot")
    if graphs.count():
        expect(graphs.first.locator(".scatterlayer .trace").first).to_be_attached()
    if key == "scenarios":
        expect(table_column(page, I.OUTCOME_TABLE, "historical").first).not_to_be_empty()
    if key == "record":
        expect(table_column(page, I.FACT_TABLE, "statement").first).not_to_be_empty()
    if key == "model":
        expect(page.locator(f"#{I.DIAGRAM}")).to_have_attribute(
            "src", re.compile(r"^data:image/svg")
        )
        expect(table_column(page, I.MODEL_TABLE, "label").first).not_to_be_empty()
    page.wait_for_function(
        """(id) => [...document.querySelectorAll('#' + id + ' .js-plotly-plot')]
                   .every(gd => gd._fullLayout && gd._fullData)""",
        arg=I.panel(key),
    )


def latin_words(page: Page) -> list[str]:
    found = []
    for text in page.evaluate(READER_TEXTS):
        for word in LATIN_WORD.findall(text):
            if word not in LATIN_ALLOWED and not ROMAN.match(word):
                found.append(f"{word!r} in {text[:80]!r}")
    return found


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations of the page as it stands."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'npm ci' (package.json pins axe-core)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes']}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


# ---------------------------------------------------------------- what every reader sees, tab by tab


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_every_tab_in_the_readers_language_on_laptop_and_phone(
    browser, server, request, lang, viewport
):
    """Every tab at this size and in this language: in the language (no Latin-script word),
    fitting the screen (no horizontal overflow, charts as wide as their column), and
    accessible (axe-core: no serious or critical violation); a screenshot of each."""
    context, page, errors = _open(browser, server, request, viewport, f"?lang={lang}")
    problems: list[str] = []
    try:
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert page.title() == TITLE[lang]
        for key in page_keys():
            open_tab(page, key)
            wait_for_tab(page, key)
            size = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if size[0] > size[1]:
                problems.append(f"{key}: the page is {size[0]} px wide in a {size[1]} px window")
            narrow = page.evaluate(
                """(id) => [...document.querySelectorAll('#' + id + ' .js-plotly-plot')]
                    .map(gd => [gd.parentElement.closest('figure') || gd.parentElement, gd.getBoundingClientRect().width])
                    .filter(([box, w]) => w < 0.9 * box.getBoundingClientRect().width || w < 250)
                    .map(([box, w]) => Math.round(w))""",
                I.panel(key),
            )
            if narrow:
                problems.append(f"{key}: charts narrower than their column: {narrow}")
            latin = latin_words(page)
            if latin:
                problems.append(f"{key}: Latin-script words: {latin[:12]}")
            axe = axe_violations(page)
            if axe:
                problems.append(f"{key}: axe-core: {axe}")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(
                path=str(ARTIFACTS / f"tab-{lang}-{viewport['width']}-{key}.png"), full_page=True
            )
    finally:
        _close(context, page, errors, request.node.name)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- language, URL, keyboard


def test_kazakh_by_default_then_russian_and_english(page):
    title = page.locator(f"#{I.TITLE}")
    expect(title).to_have_text(TITLE["kk"])
    expect(page.locator(f"#{I.LANG}").get_by_label(LANG_LABEL["kk"], exact=True)).to_be_checked()
    expect(page.locator(f"#{I.TABS}")).to_contain_text(TIMELINE_TAB["kk"])
    open_tab(page, "map")
    expect(map_title(page)).to_have_text(RAIL_KM["kk"])
    open_tab(page, "scenarios")
    expect(first_percent(page)).to_have_text(PERCENT["kk"])

    for lang in ("ru", "en"):
        switch_language(page, lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator(f"#{I.TABS}")).to_contain_text(TIMELINE_TAB[lang])
        # the tab survives the re-rendered body (URL state); the numbers follow the language
        expect(page.locator(f"#{I.tab('scenarios')}")).to_have_attribute("aria-selected", "true")
        expect(first_percent(page)).to_have_text(PERCENT[lang])
        assert f"lang={lang}" in page.url and "tab=scenarios" in page.url
        open_tab(page, "map")
        expect(map_title(page)).to_have_text(RAIL_KM[lang])
        open_tab(page, "scenarios")
    assert page.title() == TITLE["en"]


def test_a_link_opens_its_language_and_tab(browser, server, request):
    context, page, errors = _open(browser, server, request, DESKTOP, "?lang=ru&tab=map")
    try:
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.locator(f"#{I.TITLE}")).to_have_text(TITLE["ru"])
        expect(page.locator(f"#{I.tab('map')}")).to_have_attribute("aria-selected", "true")
        expect(page.locator(f"#{I.panel('timeline')}")).to_be_hidden()
        expect(map_title(page)).to_have_text(RAIL_KM["ru"])
        open_tab(page, "record")
        expect(page).to_have_url(re.compile(r"[?&]tab=record"))
        page.go_back()  # the browser's history holds the tabs
        expect(page.locator(f"#{I.tab('map')}")).to_have_attribute("aria-selected", "true")
    finally:
        _close(context, page, errors, request.node.name)


def test_tabs_by_keyboard(page):
    """Tab to the tab list, then the arrow keys, Home and End move between tabs (WAI-ARIA)."""
    keys = page_keys()
    first = page.locator(f"#{I.tab(keys[0])}")
    expect(page.locator(f"#{I.TABS}")).to_have_attribute("role", "tablist")
    assert page.locator(f"#{I.TABS} [role=tab]").count() == len(keys)
    first.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#{I.tab(keys[1])}")).to_have_attribute("aria-selected", "true")
    expect(page.locator(f"#{I.tab(keys[1])}")).to_be_focused()
    expect(page.locator(f"#{I.panel(keys[1])}")).to_be_visible()
    page.keyboard.press("End")
    expect(page.locator(f"#{I.tab(keys[-1])}")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")  # wraps round
    expect(page.locator(f"#{I.tab(keys[0])}")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(f"#{I.tab(keys[-1])}")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    expect(page.locator(f"#{I.tab(keys[0])}")).to_have_attribute("aria-selected", "true")
    # only the selected tab is in the Tab order; its panel follows it
    assert [page.locator(f"#{I.tab(k)}").get_attribute("tabindex") for k in keys] == ["0"] + [
        "-1"
    ] * (len(keys) - 1)


def test_chart_toolbar_in_the_language_without_cloud_or_editing(page):
    open_tab(page, "timeline")  # a bare URL opens the lesson's start tab
    graph = page.locator(f"#{I.panel('timeline')} .js-plotly-plot").first
    expect(graph.locator(".scatterlayer .trace").first).to_be_attached()
    graph.hover()
    buttons = graph.locator(".modebar-btn")
    expect(buttons.first).to_be_attached()
    titles = [buttons.nth(i).get_attribute("data-title") for i in range(buttons.count())]
    _ = translator("kk")
    assert _("Download plot as a PNG") in titles and _("Reset axes") in titles, titles
    assert not any(t and re.search(r"[A-Za-z]{3,}", t.replace("PNG", "")) for t in titles), titles
    assert (
        page.locator(
            ".modebar-btn[data-attr='sendDataToCloud'], a.modebar-btn[href*='plot.ly']"
        ).count()
        == 0
    )
    assert page.locator(".modebar .plotlyjsicon").count() == 0


# ---------------------------------------------------------------- the map


def test_year_slider_changes_the_map(page):
    from kazind.record.places import load_gazetteer

    balkhash = load_gazetteer()[BALKHASH]
    assert balkhash.first_year == 1938, "the test's premise: Balkhash started in 1938"

    open_tab(page, "map")
    expect(map_title(page)).to_have_text(re.compile(r"^1926\b"))
    counts = {}
    for year, present in ((1930, False), (1939, True)):
        set_slider(page, I.YEAR_SLIDER, year)
        expect(map_title(page)).to_have_text(re.compile(rf"^{year}\b"))
        texts = map_hover_texts(page)
        shown = any(balkhash.name_at(year, "kk") in t for t in texts)
        assert shown is present, (
            f"{balkhash.name_at(year, 'kk')} on the map in {year}: {shown}, expected {present}"
        )
        counts[year] = len(texts)
    assert counts[1939] > counts[1930], f"the map shows no more in 1939 than in 1930: {counts}"
    # the caption says what opened that year
    set_slider(page, I.YEAR_SLIDER, 1938)
    expect(page.locator(f"#{I.MAP_CAPTION}")).to_contain_text(balkhash.name_at(1938, "kk"))


def test_play_runs_to_1940_and_stops(page):
    open_tab(page, "map")
    set_slider(page, I.YEAR_SLIDER, 1937)
    play = page.locator(f"#{I.PLAY}")
    play.click()
    expect(play).to_have_text(translator("kk")("Pause"))
    expect(map_title(page)).to_have_text(re.compile(r"^1940\b"), timeout=30_000)
    expect(play).to_have_text(translator("kk")("Play"))  # stopped by itself at 1940
    thumb = page.locator(f"#{I.YEAR_SLIDER} [role=slider]")
    page.wait_for_timeout(2500)  # longer than a tick: it must not go on to 1913
    expect(thumb).to_have_attribute("aria-valuenow", "1940")
    expect(page.locator(f"#{I.MAP_CAPTION}")).to_contain_text("1940")


# ---------------------------------------------------------------- scenarios


def test_two_scenarios_in_chart_and_table(page):
    from kazind.scenarios import load_scenario

    titles = [load_scenario(n).title["kk"] for n in ("historical", "integrated-development")]
    open_tab(page, "scenarios")
    expect(page.locator(f"#{I.OUTCOME_TABLE}")).to_contain_text(titles[0])
    picker = page.locator(f"#{I.SCENARIO_PICK}")
    # a checklist: every title in full, in the page's language, no "n selected" of Dash's own
    for n in data_scenario_names():
        expect(picker).to_contain_text(load_scenario(n).title["kk"])
    expect(picker).not_to_contain_text("selected")
    picker.get_by_label(titles[1], exact=True).check()
    table = page.locator(f"#{I.OUTCOME_TABLE}")
    for t in titles:
        expect(table).to_contain_text(t)
    expect(table_column(page, I.OUTCOME_TABLE, "integrated-development").first).not_to_be_empty()
    page.wait_for_function(
        """([id, titles]) => {
            const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            if (!gd || !gd._fullData) return false;
            const names = new Set(gd._fullData.map(t => t.name));
            return titles.every(t => names.has(t));
        }""",
        arg=[I.SCENARIO_GRAPH, titles],
    )
    key = page.locator(f"#{I.SCENARIO_KEY}")
    for t in titles:
        expect(key).to_contain_text(t)


def test_a_lever_changes_the_1940_outcome(page):
    open_tab(page, "scenarios")
    # the first row: industrial output, mid-1940
    historical = table_column(page, I.OUTCOME_TABLE, "historical").first
    expect(historical).to_have_text(re.compile(r"\d"))
    base = historical.inner_text()
    # at the historical values there is no lever run
    expect(table_column(page, I.OUTCOME_TABLE, "levers")).to_have_count(0)
    levers = table_column(page, I.OUTCOME_TABLE, "levers").first

    def number(s: str) -> float:
        return float(re.sub(r"[\s\u00a0\u202f]", "", s).replace(",", "."))

    # the handle's keys, one change each: End = the most investment, Home = none
    lever = I.LEVER_IDS["investment_scale"]
    thumb = page.locator(f"#{lever} [role=slider]")
    # the slider is named by its label (for screen readers)
    label_id = I.LEVER_IDS["investment_scale"] + "-label"
    expect(page.locator(f"#{label_id}")).to_contain_text(translator("kk")("× historical"))
    assert float(press_slider(page, lever, "End")) > 1
    from kazind.explorer import data
    from kazind.explorer.i18n import fmt_number
    from kazind.explorer.pages.scenarios import lever_digits

    high = data.levers()["investment_scale"].high
    expect(page.locator(f"#{I.READOUT_IDS['investment_scale']}")).to_have_text(
        fmt_number(high, "kk", lever_digits("investment_scale"))
    )
    expect(levers).to_have_text(re.compile(r"\d"))
    most = levers.inner_text()
    assert number(most) > number(base), f"more investment, 1940 industrial output {most} vs {base}"

    assert float(press_slider(page, lever, "Home")) == 0
    expect(levers).not_to_have_text(most)
    expect(levers).to_have_text(re.compile(r"\d"))
    none = levers.inner_text()
    assert number(none) < number(base), f"no investment, 1940 industrial output {none} vs {base}"
    expect(historical).to_have_text(base)
    assert thumb.count() == 1


def test_ensemble_size_5000_is_refused_in_the_language_and_37_works(page):
    open_tab(page, "scenarios")
    page.locator(f"#{I.ENSEMBLE_TOGGLE} input[type=checkbox]").check()
    box = page.locator(f"#{I.ENSEMBLE_SIZE}")
    message = page.locator(f"#{I.SCENARIO_MESSAGE}")
    box.fill("5000")
    box.press("Enter")
    expect(message).to_contain_text("500")
    expect(message).to_contain_text(translator("kk")("Cannot show this:"))
    expect(message).not_to_contain_text("None")
    box.fill("37")
    box.press("Enter")
    expect(message).to_be_empty(timeout=60_000)
    page.wait_for_function(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
                     return gd && gd._fullData && gd._fullData.some(t => t.fill === 'toself'); }""",
        arg=I.SCENARIO_GRAPH,
        timeout=60_000,
    )


# ---------------------------------------------------------------- timeline and record


#: Finds, among the timeline's fact points whose id is in ``ids``, the one farthest from
#: any other drawn point of its chart (so that plotly's "closest" hover picks it), in
#: page pixels. Lines take no hover, so a dot on a line is found even where it touches it.
PICK_POINT = """([container, ids]) => {
    let best = null;
    for (const gd of document.querySelectorAll('#' + container + ' .js-plotly-plot')) {
        const L = gd._fullLayout, box = gd.getBoundingClientRect(), pts = [];
        gd._fullData.forEach(t => {
            if (t.visible !== true || !t.x || t.hoverinfo === 'skip') return;
            const xa = L.xaxis, ya = L.yaxis;
            t.x.forEach((x, i) => {
                const y = t.y[i];
                if (x === null || y === null || y <= 0 && ya.type === 'log') return;
                pts.push({id: t.customdata ? t.customdata[i] : null, graph: gd.parentElement.id,
                          x: box.left + xa._offset + xa.d2p(x), y: box.top + ya._offset + ya.d2p(y)});
            });
        });
        for (const p of pts) {
            if (!p.id || !ids.includes(p.id)) continue;
            let gap = Infinity;
            for (const q of pts) if (q !== p) gap = Math.min(gap, Math.hypot(q.x - p.x, q.y - p.y));
            if (!best || gap > best.gap) best = {...p, gap};
        }
    }
    return best;
}"""


def test_clicking_a_fact_shows_its_source_and_translations(page):
    from kazind.record.facts import SeedSource, default_table

    quoted = {f.id: f for f in default_table() if isinstance(f.source, SeedSource)}

    def pick_point() -> dict:
        graphs = page.locator(f"#{I.TIMELINE_GRAPH} .js-plotly-plot")
        expect(graphs.first.locator(".scatterlayer .trace").first).to_be_attached()
        point = page.evaluate(PICK_POINT, [I.TIMELINE_GRAPH, list(quoted)])
        assert point is not None, "no fact with a Kazakh source quote is drawn on the timeline"
        assert point["gap"] >= 4, f"every quoted fact overlaps another point: {point}"
        return point

    open_tab(page, "timeline")  # a tab's panel is built on its first visit
    fact = quoted[pick_point()["id"]]

    # from a row of the record's table
    open_tab(page, "record")
    search = page.locator(f"#{I.FACT_SEARCH}")
    search.fill(fact.statement.kk[:60])
    search.press("Enter")
    expect(table_column(page, I.FACT_TABLE, "statement").first).to_contain_text(
        fact.statement.kk[:60]
    )
    cell = table_column(page, I.FACT_TABLE, "statement").first
    cell.click()
    record_panel = page.locator(f"#{I.RECORD_FACT_PANEL}")
    expect(record_panel).to_contain_text(fact.source.quote)
    expect(record_panel).to_contain_text(fact.statement.en)
    # the selected cell is outlined in blue, not filled pink
    colour = cell.evaluate("el => getComputedStyle(el).backgroundColor")
    r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
    assert not (r > 240 and g < 230 and b < 240), f"a pink selected cell: {colour}"

    # from its point on the timeline (the screenshot shows this)
    open_tab(page, "timeline")
    page.locator(f"#{I.TIMELINE_GRAPH}").scroll_into_view_if_needed()
    point = pick_point()
    page.locator(f"#{point['graph']}").scroll_into_view_if_needed()
    point = pick_point()
    assert point["id"] == fact.id
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])
    panel = page.locator(f"#{I.FACT_PANEL}")
    expect(panel.locator("[lang=kk]").first).to_contain_text(fact.source.quote)
    expect(panel).to_contain_text(fact.statement.ru)
    expect(panel).to_contain_text(fact.statement.en)
    expect(panel).to_have_attribute("data-fact", fact.id)  # the id in the data, not the text
    expect(panel).not_to_contain_text(fact.id)


def test_record_sorted_by_year_and_model_table_follows_the_sector(page):
    open_tab(page, "record")
    years = table_column(page, I.FACT_TABLE, "year")
    expect(years.first).not_to_be_empty()
    shown = [int(t) for t in years.all_inner_texts() if t.strip()]
    assert shown == sorted(shown) and len(shown) >= 20, shown  # sorted, and many rows a screen
    open_tab(page, "model")
    from kazind.explorer.pages.model import model_doc
    from kazind.model.labels import label, sector_label

    doc = model_doc()
    sector = list(doc.sectors)[-1]
    choose(page, I.SECTOR_PICK, sector_label(sector, "kk"))
    names = table_column(page, I.MODEL_TABLE, "label")
    expect(names.first).to_have_text(label(doc.sectors[sector][0], "kk"))
    assert set(names.all_inner_texts()) <= {label(v, "kk") for v in doc.sectors[sector]}
