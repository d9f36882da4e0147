"""The explorer in a real browser: Playwright drives Debian's Chromium against ``kazind serve``.

One server (``kazind serve --port <free port>`` in a subprocess, bound to 127.0.0.1) and one
browser serve the whole module; every test gets a fresh browser context (so the page's
session persistence starts empty), fails on any console error or uncaught page error,
and leaves a full-page screenshot in ``test-artifacts/<test name>.png``.

Elements are found only through :mod:`kazind.explorer.ids`. Waits go through Playwright's
auto-waiting assertions (``expect``) and ``wait_for_function`` on the page's own state,
never sleeps. Playwright's browser download is never used: if ``/usr/bin/chromium`` is
missing these tests fail and say how to install it (CI does, in ``.ci/run``).
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

pytestmark = pytest.mark.slow

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
START_TIMEOUT_S = 60
VIEWPORT = {"width": 1400, "height": 1700}  # the timeline (four rows of panels) fits whole
TIMEOUT_MS = 15_000  # one callback may compile or run the model

# Known strings of the page, from the .po catalogs (src/kazind/explorer/locale/*/kazind.po).
TITLE = {
    "kk": "Қазақстанды индустрияландыру, 1913-1940",
    "ru": "Индустриализация Казахстана, 1913-1940",
    "en": "Industrialization of Kazakhstan, 1913-1940",
}
TIMELINE_TAB = {"kk": "Уақыт желісі", "ru": "Хронология", "en": "Timeline"}
LANG_LABEL = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
#: The map's title says how many km of railway the record has open, the thousands grouped
#: by a (non-breaking) space in kk and ru, by a comma in en.
GROUPED = {"kk": r"\d[\u00a0\u202f ]\d{3}", "ru": r"\d[\u00a0\u202f ]\d{3}", "en": r"\d,\d{3}"}
RAILWAYS = {
    "kk": "дерекнамадағы темір жолдар",
    "ru": "железные дороги по своду",
    "en": "railways of the record",
}
KM = {"kk": "км", "ru": "км", "en": "km"}
RAIL_KM = {lang: re.compile(rf"{RAILWAYS[lang]}: {GROUPED[lang]} {KM[lang]}") for lang in TITLE}
#: Percentages in the outcome table: a decimal comma in kk and ru, a point in en.
PERCENT = {
    "kk": re.compile(r"^\d+,\d[\u00a0\u202f ]?%$"),
    "ru": re.compile(r"^\d+,\d[\u00a0\u202f ]?%$"),
    "en": re.compile(r"^\d+\.\d[\u00a0\u202f ]?%$"),
}
BALKHASH = "balkhash_copper_smelter"  # started in 1938


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
            proc.wait(timeout=10)
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


@pytest.fixture
def page(browser, server, request):
    """A fresh page on the explorer; fails the test on any console error or page error."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error":
            errors.append(f"console.error: {msg.text} ({msg.location.get('url', '')})")

    pg.on("console", on_console)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.goto(server)
    expect(pg.locator(f"#{I.TITLE}")).not_to_be_empty()
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
    if errors:
        pytest.fail("the browser reported errors:\n" + "\n".join(errors))


# ---------------------------------------------------------------- helpers

TABS_IN_ORDER = (I.TAB_TIMELINE, I.TAB_MAP, I.TAB_SCENARIOS, I.TAB_RECORD, I.TAB_MODEL)


def open_tab(page: Page, tab: str) -> None:
    """Click the tab ``tab`` (an id of :mod:`ids`) and wait until it is the selected one."""
    target = page.locator(f"#{I.TABS} #{tab}")
    target.click()
    expect(target).to_have_class(re.compile(r"tab--selected"))


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
    choose(page, I.LANG, LANG_LABEL[lang])
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


# ---------------------------------------------------------------- tests


def test_kazakh_by_default_then_russian_and_english(page):
    title = page.locator(f"#{I.TITLE}")
    expect(title).to_have_text(TITLE["kk"])
    expect(page.locator(f"#{I.LANG}")).to_contain_text(LANG_LABEL["kk"])
    expect(page.locator(f"#{I.TABS}")).to_contain_text(TIMELINE_TAB["kk"])
    open_tab(page, I.TAB_MAP)
    expect(map_title(page)).to_have_text(RAIL_KM["kk"])
    open_tab(page, I.TAB_SCENARIOS)
    expect(first_percent(page)).to_have_text(PERCENT["kk"])

    for lang in ("ru", "en"):
        switch_language(page, lang)
        expect(page.locator(f"#{I.TABS}")).to_contain_text(TIMELINE_TAB[lang])
        # the tab survives the re-rendered body (session persistence); the numbers follow the language
        expect(first_percent(page)).to_have_text(PERCENT[lang])
        open_tab(page, I.TAB_MAP)
        expect(map_title(page)).to_have_text(RAIL_KM[lang])
        open_tab(page, I.TAB_SCENARIOS)


def test_year_slider_changes_the_map(page):
    from kazind.record.places import load_gazetteer

    balkhash = load_gazetteer()[BALKHASH]
    assert balkhash.first_year == 1938, "the test's premise: Balkhash started in 1938"
    name = balkhash.names.kk

    open_tab(page, I.TAB_MAP)
    expect(map_title(page)).to_have_text(re.compile(r"^1926\b"))
    counts = {}
    for year, present in ((1930, False), (1939, True)):
        set_slider(page, I.YEAR_SLIDER, year)
        expect(map_title(page)).to_have_text(re.compile(rf"^{year}\b"))
        texts = map_hover_texts(page)
        shown = any(name in t for t in texts)
        assert shown is present, f"{name} on the map in {year}: {shown}, expected {present}"
        counts[year] = len(texts)
    assert counts[1939] > counts[1930], f"the map shows no more in 1939 than in 1930: {counts}"


def test_two_scenarios_in_chart_and_table(page):
    from kazind.scenarios import load_scenario

    titles = [load_scenario(n).title["kk"] for n in ("historical", "integrated-development")]
    open_tab(page, I.TAB_SCENARIOS)
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
    legend = page.locator(f"#{I.SCENARIO_GRAPH} .legend")
    for t in titles:
        expect(legend).to_contain_text(t)


#: Finds, among the timeline's fact points whose id is in ``ids``, the one farthest from
#: any other drawn point (so that plotly's "closest" hover picks it), in page pixels.
PICK_POINT = """([id, ids]) => {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    const L = gd._fullLayout, box = gd.getBoundingClientRect(), pts = [];
    gd._fullData.forEach(t => {
        if (t.visible !== true || !t.x) return;
        const xa = L['xaxis' + t.xaxis.slice(1)], ya = L['yaxis' + t.yaxis.slice(1)];
        t.x.forEach((x, i) => {
            const y = t.y[i];
            if (x === null || y === null || y <= 0 && ya.type === 'log') return;
            pts.push({id: t.customdata ? t.customdata[i] : null, sub: t.xaxis,
                      x: box.left + xa._offset + xa.d2p(x), y: box.top + ya._offset + ya.d2p(y)});
        });
    });
    let best = null;
    for (const p of pts) {
        if (!p.id || !ids.includes(p.id)) continue;
        let gap = Infinity;
        for (const q of pts) if (q !== p && q.sub === p.sub) gap = Math.min(gap, Math.hypot(q.x - p.x, q.y - p.y));
        if (!best || gap > best.gap) best = {...p, gap};
    }
    return best;
}"""


def test_clicking_a_fact_shows_its_source_and_translations(page):
    from kazind.record.facts import SeedSource, default_table

    quoted = {f.id: f for f in default_table() if isinstance(f.source, SeedSource)}

    def pick_point() -> dict:
        graph = page.locator(f"#{I.TIMELINE_GRAPH} .js-plotly-plot")
        expect(graph.locator(".scatterlayer .trace").first).to_be_attached()
        page.locator(f"#{I.TIMELINE_GRAPH}").scroll_into_view_if_needed()
        point = page.evaluate(PICK_POINT, [I.TIMELINE_GRAPH, list(quoted)])
        assert point is not None, "no fact with a Kazakh source quote is drawn on the timeline"
        assert point["gap"] >= 4, f"every quoted fact overlaps another point: {point}"
        return point

    fact = quoted[pick_point()["id"]]

    # from a row of the record's table
    open_tab(page, I.TAB_RECORD)
    search = page.locator(f"#{I.FACT_SEARCH}")
    search.fill(fact.id)
    search.press("Enter")
    expect(table_column(page, I.FACT_TABLE, "id")).to_have_text([fact.id])
    table_column(page, I.FACT_TABLE, "statement").first.click()
    record_panel = page.locator(f"#{I.RECORD_FACT_PANEL}")
    expect(record_panel).to_contain_text(fact.source.quote)
    expect(record_panel).to_contain_text(fact.statement.en)

    # from its point on the timeline (the screenshot shows this)
    open_tab(page, I.TAB_TIMELINE)
    point = pick_point()
    assert point["id"] == fact.id
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])
    panel = page.locator(f"#{I.FACT_PANEL}")
    expect(panel.locator("[lang=kk]").first).to_contain_text(fact.source.quote)
    expect(panel).to_contain_text(fact.statement.ru)
    expect(panel).to_contain_text(fact.statement.en)
    expect(panel).to_contain_text(fact.id)


def test_a_lever_changes_the_1940_outcome(page):
    open_tab(page, I.TAB_SCENARIOS)
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
    assert float(press_slider(page, lever, "End")) > 1
    # the value beside the label, in the Kazakh convention (decimal comma), as Babel writes it
    from kazind.explorer import data, layout
    from kazind.explorer.i18n import fmt_number

    high = data.levers()["investment_scale"].high
    expect(page.locator(f"#{I.READOUT_IDS['investment_scale']}")).to_have_text(
        fmt_number(high, "kk", layout.lever_digits("investment_scale"))
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


def test_every_tab_in_every_language_without_console_errors(page):
    # the page fixture fails the test on any console error; this walks everything once
    for lang in ("kk", "ru", "en"):
        if lang != "kk":
            switch_language(page, lang)
        for tab in TABS_IN_ORDER:
            open_tab(page, tab)
        expect(page.locator(f"#{I.DIAGRAM}")).to_have_attribute(
            "src", re.compile(r"^data:image/svg")
        )
        expect(table_column(page, I.MODEL_TABLE, "name").first).not_to_be_empty()
    open_tab(page, I.TAB_RECORD)
    expect(table_column(page, I.FACT_TABLE, "id").first).not_to_be_empty()


#: Filter-row placeholders of the DataTables, from the catalogs.
FILTER_PLACEHOLDER = {"kk": "сүзгі...", "ru": "фильтр...", "en": "filter..."}


def wait_for_tab(page: Page, tab: str) -> None:
    """Wait until what ``tab`` shows is drawn (charts, tables, the diagram)."""
    graph = {I.TAB_TIMELINE: I.TIMELINE_EXTRA_GRAPH, I.TAB_MAP: I.MAP_GRAPH, I.TAB_SCENARIOS: I.SCENARIO_GRAPH}
    if tab in graph:
        expect(page.locator(f"#{graph[tab]} .scatterlayer .trace").first).to_be_attached()
    if tab == I.TAB_TIMELINE:
        expect(page.locator(f"#{I.TIMELINE_GRAPH} .scatterlayer .trace").first).to_be_attached()
    if tab == I.TAB_SCENARIOS:
        expect(table_column(page, I.OUTCOME_TABLE, "historical").first).not_to_be_empty()
    if tab == I.TAB_RECORD:
        expect(table_column(page, I.FACT_TABLE, "id").first).not_to_be_empty()
    if tab == I.TAB_MODEL:
        expect(page.locator(f"#{I.DIAGRAM}")).to_have_attribute("src", re.compile(r"^data:image/svg"))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_screenshots_of_every_tab(page, lang):
    """A screenshot of every tab in ``lang`` (test-artifacts/tab-<lang>-<tab>.png), and what a
    reader of ``lang`` should not see: Dash's own English texts, raw variable names."""
    from kazind.explorer import figures

    if lang != "kk":
        switch_language(page, lang)
    for tab in TABS_IN_ORDER:
        open_tab(page, tab)
        wait_for_tab(page, tab)
        if tab == I.TAB_TIMELINE:
            dropdown = page.locator(f"#{I.TIMELINE_VAR}")
            first = figures.extra_variables()[0]
            expect(dropdown).to_contain_text(figures.variable_label(first, lang))
            expect(dropdown).not_to_contain_text(first)
        if tab in (I.TAB_RECORD, I.TAB_MODEL):
            table = I.FACT_TABLE if tab == I.TAB_RECORD else I.MODEL_TABLE
            filters = page.locator(f"#{table} th.dash-filter input:not(.dash-filter--case)")
            expect(filters.first).to_have_attribute("placeholder", FILTER_PLACEHOLDER[lang])
            expect(page.locator(f"#{table} .dash-filter--case").first).to_be_hidden()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"tab-{lang}-{tab}.png"), full_page=True)
