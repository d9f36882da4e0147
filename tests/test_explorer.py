"""The explorer (issues 6, 13): app, layout ids, callbacks called directly, translations, report, server.

Fast and without a browser: each callback is a plain function of its tab's module
(kazind.explorer.pages.*) or of the frame, called here with good and bad input; the server
tests start the real ``kazind serve`` (gunicorn) on a free port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest

from kazind.explorer import data, frame
from kazind.explorer import ids as I
from kazind.explorer.i18n import LANGS, catalog, fmt_number, fmt_percent, separators, translator
from kazind.explorer.messages import all_messages
from kazind.explorer.pages import map as M
from kazind.explorer.pages import model as MO
from kazind.explorer.pages import record as R
from kazind.explorer.pages import scenarios as S
from kazind.explorer.pages import timeline as T


@pytest.fixture(scope="module")
def app():
    from kazind.explorer.app import create_app

    return create_app()


def _ids(component) -> set[str]:
    found = set()
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        cid = getattr(node, "id", None)
        if isinstance(cid, str):
            found.add(cid)
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return found


def _levers() -> list[float]:
    return [lever.default for lever in data.levers().values()]


def _is_message(value) -> bool:
    return isinstance(value, str) and len(value) > 0


def test_layout_holds_every_documented_id(app):
    # the page holds the frame and the visible tab; every other tab's panel is built on
    # its first visit (frame.fill): the ids are in the page or in one of the panels
    layout = app.layout() if callable(app.layout) else app.layout
    present = _ids(layout)
    for key in frame.page_keys():
        present |= _ids(frame.panel_children(key, "kk"))
    missing = [i for i in I.all_ids() if i not in present]
    assert not missing, missing
    assert len(set(I.all_ids())) == len(I.all_ids())


def test_callbacks_are_registered(app):
    outputs = " ".join(app.callback_map)
    for cid in (
        T.panel_id("output"),
        I.MAP_GRAPH,
        S.panel_id("industry"),
        I.FACT_TABLE,
        I.FACT_PANEL,
        I.panel("story"),
        I.RENDERED,
    ):
        assert cid in outputs


@pytest.mark.parametrize("lang", LANGS)
def test_body_and_title_in_each_language(lang):
    body, title = frame.render_body(lang, {"tab": "map"})
    assert title == translator(lang)("Industrialization of Kazakhstan, 1913-1940")
    present = _ids(body)
    assert I.TABS in present and all(
        I.tab(k) in present and I.panel(k) in present for k in frame.page_keys()
    )
    tabs = {b.id: b for b in _find_all(body, "Button") if getattr(b, "role", None) == "tab"}
    assert tabs[I.TAB_MAP].to_plotly_json()["props"]["aria-selected"] == "true"
    assert tabs[I.TAB_TIMELINE].to_plotly_json()["props"]["aria-selected"] == "false"


def test_body_unknown_language_is_refused():
    from kazind.explorer.i18n import InputError

    with pytest.raises(InputError, match="de"):
        frame.render_body("de", {})


def test_url_state_parses_defaults_and_bad_values():
    from kazind.explorer import state

    # the frame's two keys (the lesson's tabs declare more: chapter, year, scenarios, levers...)
    defaults = {k.name: k.default for k in state.keys().values()}
    assert state.parse("?lang=ru&tab=map") == {**defaults, "lang": "ru", "tab": "map"}
    assert state.parse("") == {**defaults, "lang": "kk", "tab": frame.page_keys()[0]}
    assert state.parse("?lang=de&tab=<script>&zzz=1") == state.parse("")
    assert state.parse("x" * 5000) == state.parse("")
    assert state.to_search({"lang": "kk", "tab": frame.page_keys()[0]}) == ""
    assert state.to_search({"lang": "ru", "tab": "map"}) == "?lang=ru&tab=map"
    js = state.sync_js(frame.page_keys())
    assert "tab-" in js and '"lang"' in js


def test_timeline_has_paths_and_facts():
    out = T.panels("kk")
    figs, msg = out[: len(T.PANELS)], out[-1]
    assert msg == ""
    facts = [t for f in figs for t in f["data"] if t.get("customdata")]
    assert facts and all(isinstance(x, str) for t in facts for x in t["customdata"])
    assert sum(len(t["customdata"]) for t in facts) >= 20
    # the lines never take the hover from the facts
    assert all(
        t["hoverinfo"] == "skip" for f in figs for t in f["data"] if t.get("mode") == "lines"
    )
    # verdicts differ by shape as well as colour
    symbols = {s.removesuffix("-open") for t in facts for s in t["marker"]["symbol"]}
    assert {"circle", "x"} <= symbols
    out = T.panels("xx")
    assert out[0]["data"] == [] and _is_message(out[-1])


def test_extra_variable_and_unknown_variable():
    good = T.extra_variables()[0]
    fig, title, table, msg = T.extra(good, "ru")
    assert msg == "" and fig["data"] and title
    fig, title, table, msg = T.extra("__import__", "ru")
    assert fig["data"] == [] and _is_message(msg)


def test_clicking_a_fact_shows_statement_quote_source_and_fit():
    point = next(p for p in data.fact_points() if p.fact_id.startswith("seed."))
    fact = data.facts().get(point.fact_id)
    clicks = [None] * (len(T.PANELS) + 1)
    clicks[0] = {"points": [{"customdata": point.fact_id}]}
    children, fact_id = T.show_fact(clicks, "ru")
    panel = str(children)
    assert fact_id == point.fact_id
    assert fact.statement.ru in panel
    assert fact.source.quote in panel
    assert fact.statement.en in panel and fact.statement.kk in panel
    assert translator("ru")("The model") in panel
    ext = next(p for p in data.fact_points() if p.fact_id.startswith("ext."))
    clicks = [None] * (len(T.PANELS) + 1)
    clicks[-1] = {"points": [{"customdata": ext.fact_id}]}
    panel = str(T.show_fact(clicks, "en")[0])
    assert data.facts().get(ext.fact_id).source.citation in panel
    # nothing clicked, a line clicked, an unknown fact, a bad language
    assert "Click" in str(T.show_fact([None], "en")[0])
    assert "Click" in str(T.show_fact([{"points": [{"x": 1926}]}], "en")[0])
    assert "unknown fact" in str(
        T.show_fact([{"points": [{"customdata": "seed.no.such"}]}], "en")[0]
    )
    bad_lang = _text(T.show_fact([None], "fr")[0])  # said in the default language, Kazakh
    assert bad_lang.startswith(translator("kk")("Cannot show this:")) and "fr" in bad_lang


def test_one_value_per_fact_in_tooltip_and_panel():
    from kazind.explorer import factview

    for p in data.fact_points()[:40]:
        lines = factview.fit_lines(p.fact_id, "ru")
        if not lines:
            continue
        fig = T.panel_figure(
            "ru", [(p.variable, p.element, "x")], 1.0, "", data.historical_run(), [p], data.facts()
        )
        tip = fig["data"][-1]["hovertext"][0]
        assert lines[0][1] in tip, (p.fact_id, tip, lines)
        assert lines[0][1] in _text(factview.fact_panel(p.fact_id, "ru"))


@pytest.mark.parametrize("year", [1913, 1931, 1940])
def test_map_each_year(year):
    fig, caption, table, msg = M.view(year, "kk")
    assert msg == ""
    names = [t.get("name", "") for t in fig["data"]]
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"
    assert str(year) in fig["layout"]["title"]["text"]
    assert len(names) >= 3
    assert str(year) in str(caption)


def test_map_a_new_year_sends_its_year_layer_alone():
    from dash import Patch

    whole, *_rest = M.view(1931, "kk")
    patch, caption, _t, msg = M.view(1935, "kk", "kk")  # the map of 1931 on the page
    assert msg == "" and isinstance(patch, Patch) and "1935" in str(caption)
    ops = patch.to_plotly_json()["operations"]
    data_ops = [op for op in ops if op["location"][0] == "data"]
    assert min(op["location"][1] for op in data_ops) == M.n_static()
    after = list(whole["data"])
    for op in data_ops:
        after[op["location"][1]] = op["params"]["value"]
    assert after == M.view(1935, "kk")[0]["data"]
    assert len(whole["data"]) == M.n_static() + M.YEAR_SLOTS


def test_map_has_seas_lakes_and_rivers_and_branch_shapes():
    fig, _c, _t, _m = M.view(1935, "ru")
    _ = translator("ru")
    texts = [x for t in fig["data"] if t.get("mode") == "text" for x in t["text"]]
    for water in ("Caspian Sea", "Aral Sea", "Lake Balkhash", "Irtysh", "Syr Darya"):
        assert _(water) in texts, water
    branches = [t for t in fig["data"] if t.get("legendgroup") == "enterprises"]
    symbols = [t["marker"]["symbol"] for t in branches]
    assert len(set(symbols)) == len(symbols) > 3  # a shape per branch


def test_map_rings_what_opened_that_year():
    fig, caption, _t, _m = M.view(1931, "en")
    new = [t for t in fig["data"] if t.get("legendgroup") == "new"]
    assert new, "Karaganda's railway opened in 1931"
    assert "opened this year" in str(caption)
    fig, caption, _t, _m = M.view(1914, "en")
    assert not [t for t in fig["data"] if t.get("legendgroup") == "new" and t.get("x") != [None]]


@pytest.mark.parametrize("year", [1800, 3000, "x", None, 1926.5, True, 10**400])
def test_map_absurd_year_is_a_message(year):
    fig, caption, table, msg = M.view(year, "en")
    assert fig["data"] == [] and _is_message(msg)


def test_map_grows_over_time():
    def count(year, kind):
        rows = M.map_rows("en", year, data.historical_run(), data.gazetteer(), data.railways())
        return sum(1 for r in rows if r["kind"] == kind)

    assert count(1940, "railway") > count(1913, "railway")
    assert count(1940, "enterprise") > count(1913, "enterprise")


def test_play_button_and_ticks_stop_at_1940():
    from dash import no_update

    assert M.toggle_play(0, True, 1926, "kk") == (True, translator("kk")("Play"), no_update)
    disabled, label, year = M.toggle_play(1, True, 1926, "ru")
    assert disabled is False and label == translator("ru")("Pause") and year is no_update
    assert M.toggle_play(2, False, 1930, "en") == (True, "Play", no_update)
    assert M.toggle_play(3, True, 1940, "en")[2] == 1913  # play again from the start
    assert M.next_year(1, 1926, "en") == (1927, no_update, no_update)
    assert M.next_year(1, 1939, "en") == (1940, True, "Play")  # the last year: play stops
    assert M.next_year(1, 1940, "en")[1:] == (True, "Play")
    assert M.next_year(1, "garbage", "en")[0] == 1913


def _view(*args):
    """(first figure, outcome columns, outcome rows, message) of the scenarios tab."""
    out = S.view(*args)
    return out[0], out[-3], out[-2], out[-1]


def test_scenarios_and_levers():
    names = list(data.scenario_names())
    assert names[0] == "historical" and len(names) >= 2
    fig, cols, rows, msg = _view(names[:2], _levers(), [], 100, "kk")
    assert msg == "" and fig["data"] and rows
    assert [c["id"] for c in cols][2:] == names[:2]
    dashes = [t["line"]["dash"] for t in fig["data"] if t.get("mode") == "lines"]
    assert len(set(dashes)) == 2  # runs differ by line pattern as well as colour
    levers = _levers()
    levers[0] = 2.0  # investment_scale
    fig2, cols2, rows2, msg2 = _view(["historical"], levers, [], 100, "en")
    assert msg2 == "" and data.LEVERS_RUN in [c["id"] for c in cols2]
    first = rows2[0]  # industrial output 1940: doubled investment raises it
    assert first[data.LEVERS_RUN] != first["historical"]


@pytest.mark.parametrize(
    "names, levers, ensemble, size, lang",
    [
        (["no-such-scenario"], None, [], 100, "kk"),
        ("historical", None, [], 100, "klingon"),
        (["historical"], "lever0", [], 100, "kk"),
        (["historical"], {0: 99.0}, [], 100, "kk"),  # investment_scale above its bound 5
        (["historical"], {4: -0.5}, [], 100, "kk"),  # local_hiring_priority below 0
        (["historical"], {1: float("nan")}, [], 100, "kk"),
        (["historical"], {2: "lots"}, [], 100, "kk"),
        (["historical"], None, ["on"], 100000, "ru"),  # ensemble above the cap
        (["historical"], None, ["on"], -3, "ru"),
        (["historical"], None, ["on"], None, "kk"),
        (["historical"], None, ["on"], 5000, "kk"),
        (["historical"], None, ["on"], 37.5, "kk"),
        (["historical"], {0: 10**400}, [], 100, "kk"),  # an integer beyond any float
        (["historical"], {0: -(10**400)}, [], 100, "ru"),
        (["historical"], {3: float("inf")}, [], 100, "ru"),
        ([3], None, [], 100, "en"),
        (["x"] * 100, None, [], 100, "en"),
    ],
)
def test_scenarios_bad_input_is_a_message(names, levers, ensemble, size, lang):
    values = _levers()
    if isinstance(levers, dict):
        for i, v in levers.items():
            values[i] = v
    elif levers is not None:
        values = levers
    fig, cols, rows, msg = _view(names, values, ensemble, size, lang)
    assert _is_message(msg) and fig["data"] == [] and rows == []
    assert "Traceback" not in msg and "Error" not in msg


def test_ensemble_size_messages_say_the_right_reason():
    def message(size, lang="en"):
        return _view(["historical"], _levers(), ["on"], size, lang)[-1]

    assert "at most 500" in message(5000)
    assert "500" in message(5000, "kk") and "None" not in message(None, "kk")
    assert "whole number" in message(None)
    assert "at least 10" in message(3)
    if data.ensemble_available():
        assert message(37) == ""  # any whole number from 10 to 500 works


def test_levers_within_the_constants_bounds():
    spec = {v.name: v for v in data.historical_model().spec.variables}
    for name, lever in data.levers().items():
        low, high = spec[name].bounds
        assert (lever.low, lever.high) == (low, high)
        assert low <= lever.default <= high
    assert S.reset_levers(1) == _levers()


def test_ensemble_fans_capped():
    if not data.ensemble_available():
        pytest.skip("kazind.analysis.ensemble is not installed")
    fig, cols, rows, msg = _view(["historical"], _levers(), ["on"], 20, "en")
    assert msg == ""
    assert any(t.get("fill") == "toself" for t in fig["data"])
    assert data.MAX_ENSEMBLE <= 500


def test_lever_change_is_fast():
    levers = _levers()
    S.view(["historical"], levers, [], 100, "kk")  # warm
    times = []
    for k in range(5):
        levers[0] = 1.1 + 0.07 * k  # new values: not cached
        t0 = time.perf_counter()
        *_r, msg = S.view(["historical"], levers, [], 100, "kk")
        times.append(time.perf_counter() - t0)
        assert msg == ""
    assert sorted(times)[len(times) // 2] < 0.3, times


def test_record_table_search_and_detail():
    rows, msg = R.search_rows(None, "kk")
    assert msg == "" and len(rows) == len(data.facts())
    assert {"id", "topic", "year", "places", "statement", "value", "source", "reproduced"} <= set(
        rows[0]
    )
    years = [r["year"] for r in rows if r["year"] is not None]
    assert years == sorted(years)  # sorted by year
    assert "id" not in [c["id"] for c in R.columns("kk")]  # the id is the row's, not a column
    yes = translator("kk")("yes")
    assert any(r["reproduced"] == yes for r in rows)
    some, _m = R.search_rows("Қарағанды", "kk")
    assert 0 < len(some) < len(rows)
    bad_rows, bad_msg = R.search_rows(["x"], "kk")
    assert bad_rows == [] and _is_message(bad_msg)
    assert R.search_rows("x", "zz")[1]
    detail = str(R.detail({"row": 0, "column": 0, "row_id": rows[0]["id"]}, "en"))
    assert data.facts().get(rows[0]["id"]).statement.en in detail
    assert "Click a row" in str(R.detail(None, "en"))


def test_model_diagrams_tables_and_downloads():
    sector = next(iter(MO.model_doc().sectors))
    src, rows, msg = MO.sector_view(sector, "ru")
    assert src.startswith("data:image/svg+xml;base64,") and msg == "" and rows
    assert {r["id"] for r in rows} == set(
        MO.model_doc().sectors[sector]
    )  # the table follows the sector
    other = list(MO.model_doc().sectors)[-1]
    assert {r["id"] for r in MO.sector_view(other, "ru")[1]} == set(MO.model_doc().sectors[other])
    src, rows, msg = MO.sector_view("../../etc/passwd", "en")
    assert src == "" and rows == [] and _is_message(msg)
    assert len(MO.model_rows()) == len(data.historical_model().spec.variables)
    csv_text = MO.download(1)["content"]
    assert csv_text.startswith("name,kind,sector")
    assert T.download(1, "kk")["filename"].endswith(".csv")
    assert "karaganda" in M.download(1, 1935, "en")["content"]
    assert "historical" in S.download(1, ["historical"], _levers(), "kk")["content"]
    rows, _m = R.search_rows(None, "ru")
    assert R.download(1, rows[:3])["content"].count("\n") == 4


def test_every_message_translated_to_kazakh_and_russian():
    messages = all_messages()
    assert len(messages) > 100
    for lang in ("kk", "ru"):
        table = catalog(lang)
        missing = [m for m in messages if not table.get(m)]
        assert not missing, (lang, missing)
        same = [
            m
            for m in messages
            if table[m] == m and any(c.isalpha() for c in m) and m not in ("Map",)
        ]
        assert len(same) < 5, (lang, same)  # a translation, not the English copied


def test_po_files_have_no_empty_msgstr():
    from babel.messages.pofile import read_po

    from kazind.explorer.i18n import po_file

    for lang in LANGS:
        with po_file(lang).open("rb") as fh:
            cat = read_po(fh)
        empty = [m.id for m in cat if m.id and not m.string]
        assert not empty, (lang, empty)


def test_babel_formatting_differs_by_locale():
    shown = {lang: fmt_number(1234567.5, lang, 1) for lang in LANGS}
    assert shown["en"] == "1,234,567.5"
    assert shown["ru"] != shown["en"] and "," in shown["ru"]
    assert fmt_percent(0.253, "en") == "25.3%"
    assert fmt_percent(0.253, "ru") != fmt_percent(0.253, "en")
    assert separators("en") == ".," and separators("kk")[0] == ","
    # the outcome table follows the locale
    _f, _c, rows_en, _m = _view(["historical"], _levers(), [], 100, "en")
    _f, _c, rows_ru, _m = _view(["historical"], _levers(), [], 100, "ru")
    assert rows_en[2]["historical"] != rows_ru[2]["historical"]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.script_src: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self.script_src += [v for k, v in attrs if k == "src" and v]


def test_report_is_self_contained_and_trilingual(tmp_path):
    from kazind.explorer.report import write_report

    out = tmp_path / "report.html"
    write_report(["historical", data.scenario_names()[1]], out, ["kk", "ru", "en"])
    text = out.read_text(encoding="utf-8")
    # (plotly's bundle names its CDN in a default setting for geo maps; no tag loads from it)
    assert '<script src="http' not in text
    parser = _Parser()
    parser.feed(text)
    assert parser.tags[0] == "html" and "body" in parser.tags
    assert parser.script_src == []
    assert text.count("* plotly.js v") == 1  # plotly's bundle inlined once (its banner)
    assert text.find("* plotly.js v") < text.find("Plotly.newPlot")
    for lang in LANGS:
        assert translator(lang)("Timeline") in text
        assert translator(lang)("Map") in text
    assert translator("kk")("Outcomes") in text and translator("ru")("Outcomes") in text
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically: no leftovers


def test_report_command_errors(monkeypatch, capsys, tmp_path):
    from conftest import run_cli

    code, _out, err = run_cli(
        monkeypatch,
        capsys,
        ["explorer"],
        "report",
        "historical",
        "--out",
        str(tmp_path / "r.html"),
        "--lang",
        "de",
    )
    assert code == 2 and "unknown language" in err
    code, _out, err = run_cli(
        monkeypatch, capsys, ["explorer"], "report", "nope", "--out", str(tmp_path / "r.html")
    )
    assert code == 2 and "nope" in err and not (tmp_path / "r.html").exists()
    code, _out, err = run_cli(monkeypatch, capsys, ["explorer"], "serve", "--port", "70000")
    assert code == 2 and "port" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    return [int(c) for c in open(path).read().split()] if os.path.exists(path) else []


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


class Server:
    """``kazind serve`` (gunicorn) in a subprocess on a free loopback port."""

    def __init__(self, workers: int, cwd=None, env=None):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kazind",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            cwd=cwd,
        )

    def wait(self, timeout: float = 120) -> str:
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5) as resp:
                    return resp.read().decode()
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(self.stop()[-3000:]) from None
                time.sleep(0.3)

    def workers(self, expected: int | None = None, timeout: float = 60.0) -> list[int]:
        """gunicorn's workers under its master; with ``expected``, wait (up to ``timeout``)
        until that many have booted: the master forks them one after another."""
        deadline = time.monotonic() + timeout
        children = _children(self.proc.pid)
        while expected is not None and len(children) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
            children = _children(self.proc.pid)
        return children

    def stop(self) -> str:
        self.proc.terminate()
        try:
            _out, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate()
        return err.decode(errors="replace")


def _until(predicate, timeout: float = 30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.2)
    return None


@pytest.mark.parametrize("workers", [1, 2])
def test_server_answers_on_localhost_in_the_language_of_the_url(workers):
    server = Server(workers)
    children: list[int] = []
    try:
        page = server.wait()
        assert "<html" in page.lower() and "_dash-config" in page
        assert (
            '<html lang="kk">' in page
            and translator("kk")("Industrialization of Kazakhstan, 1913-1940") in page
        )
        with urllib.request.urlopen(server.base + "/?lang=ru&tab=map", timeout=10) as resp:
            ru = resp.read().decode()
        assert (
            '<html lang="ru">' in ru
            and translator("ru")("Industrialization of Kazakhstan, 1913-1940") in ru
        )
        with urllib.request.urlopen(server.base + "/_dash-layout", timeout=10) as resp:
            layout = json.loads(resp.read())
        assert I.LANG in json.dumps(layout)
        req = urllib.request.Request(
            server.base + "/_dash-layout", headers={"Referer": server.base + "/?lang=ru&tab=map"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = json.dumps(json.loads(resp.read()), ensure_ascii=False)
        assert (
            f'"{translator("ru")("Timeline")}"' in text
        )  # the layout is rendered for the page's URL
        with urllib.request.urlopen(server.base + "/_kazind/locales.js", timeout=10) as resp:
            script = resp.read().decode()
        assert '"name": "kk"' in script and '"name": "ru"' in script
        children = server.workers(expected=workers)
        assert len(children) == workers, children  # gunicorn's workers under its master
        for _ in range(2 * workers):  # every process answers
            with urllib.request.urlopen(server.base + "/_dash-layout", timeout=10) as resp:
                assert resp.status == 200
    finally:
        server.stop()
    assert all(_gone(c) for c in children), "a worker outlived kazind serve"


def test_a_killed_worker_is_replaced_and_large_requests_are_refused():
    import signal

    server = Server(2)
    try:
        server.wait()
        before = _until(lambda: w if len(w := server.workers()) == 2 else None)
        assert before, server.workers()
        os.kill(before[0], signal.SIGKILL)
        after = _until(
            lambda: w if len(w := server.workers()) == 2 and before[0] not in w else None
        )
        assert after, f"no worker replaced the one killed: {server.workers()}"
        for _ in range(4):
            with urllib.request.urlopen(server.base + "/_dash-layout", timeout=10) as resp:
                assert resp.status == 200
        # a body announced as 1 GB: refused at once, unread, the server's memory untouched
        rss = sum(_rss_kb(pid) for pid in [server.proc.pid, *server.workers()])
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                b"POST /_dash-update-component HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1073741824\r\n\r\n" + b"{" * 65536
            )
            t0 = time.time()
            answer = sock.recv(4096).decode(errors="replace")
            assert time.time() - t0 < 5
        assert answer.startswith("HTTP/1.1 413"), answer[:200]
        # a request line or a header longer than gunicorn admits
        for path, headers in (("/" + "a" * 10000, {}), ("/", {"X-Long": "b" * 20000})):
            req = urllib.request.Request(server.base + path, headers=headers)
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(req, timeout=10)
            assert err.value.code in (400, 414, 431)
        rss_after = sum(_rss_kb(pid) for pid in [server.proc.pid, *server.workers()])
        assert rss_after - rss < 200_000, (rss, rss_after)  # kB: no GB buffered
        with urllib.request.urlopen(server.base + "/_dash-layout", timeout=10) as resp:
            assert resp.status == 200
    finally:
        log = server.stop()
    assert "SIGKILL" in log or "was sent" in log or "exited" in log.lower(), log[-2000:]


def _rss_kb(pid: int) -> int:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def test_a_broken_user_scenario_is_reported_not_fatal(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "broken.yaml").write_text(
        "name: broken\nbase: historical\nparameters:\n  no_such_constant: 2\n"
    )
    server = Server(1, cwd=tmp_path)
    try:
        server.wait()
        # the layout of a page opened on the scenarios tab (the Referer is the page's address)
        request = urllib.request.Request(
            server.base + "/_dash-layout", headers={"Referer": server.base + "/?tab=scenarios"}
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            layout = resp.read().decode()
        assert "broken" in layout  # named on the scenarios tab among those left out
    finally:
        log = server.stop()
    assert "broken" in log and "left out" in log


def test_a_huge_lever_value_from_the_page_is_a_clean_message():
    from kazind.explorer.app import create_app

    app = create_app()
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(
        d
        for d in deps
        if any(i["id"] == I.LEVER_IDS["investment_scale"] for i in d["inputs"])
        and not d.get("clientside_function")
        and not d["output"].startswith(".." + I.LEVER_PREFIX)
    )
    values = {
        I.SCENARIO_PICK: ["historical"],
        I.ENSEMBLE_TOGGLE: [],
        I.ENSEMBLE_SIZE: 100,
        I.panel_lang("scenarios"): "ru",
        **{I.LEVER_IDS[n]: v for n, v in zip(I.LEVERS, _levers(), strict=True)},
    }
    inputs = [
        {"id": i["id"], "property": i["property"], "value": values[i["id"]]} for i in dep["inputs"]
    ]
    parts = (
        dep["output"].strip(".").split("...") if dep["output"].startswith("..") else [dep["output"]]
    )
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    body = json.dumps(
        {
            "output": dep["output"],
            "outputs": outputs,
            "inputs": inputs,
            "changedPropIds": [I.LEVER_IDS["investment_scale"] + ".value"],
        }
    )
    body = body.replace(json.dumps(_levers()[0]), "1" + "0" * 400, 1)
    resp = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert resp.status_code == 200, resp.data[:300]
    text = resp.get_data(as_text=True)
    assert "Traceback" not in text and "OverflowError" not in text
    message = resp.get_json()["response"][I.SCENARIO_MESSAGE]["children"]
    assert message.startswith(translator("ru")("Cannot show this:")) and "10^400" in message


# ---------------------------------------------------------------- what a reader sees (issue 6 fixes)


def _text(component) -> str:
    """Every text of a component tree, joined."""
    out, stack = [], [component]
    while stack:
        node = stack.pop(0)
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, list | tuple):
            stack[:0] = list(node)
        elif getattr(node, "children", None) is not None:
            stack.insert(0, node.children)
    return " ".join(out)


def _find_all(component, kind: str) -> list:
    found, stack = [], [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if type(node).__name__ == kind:
            found.append(node)
        children = getattr(node, "children", None)
        if children is not None:
            stack.append(children)
    return found


def _find(component, kind: str, component_id: str):
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if type(node).__name__ == kind and getattr(node, "id", None) == component_id:
            return node
        children = getattr(node, "children", None)
        if children is not None:
            stack.append(children)
    raise AssertionError(f"no {kind} {component_id!r}")


def test_every_offered_variable_has_a_label_from_the_model():
    from kazind.model.labels import load_labels

    offered = T.extra_variables()
    assert offered, "the 'more variables' chart offers nothing"
    # a variable with facts that the chart cannot draw would be dropped silently: this says which
    outside = T.fact_variables_outside_panels(data.fact_points())
    assert outside == offered, (
        "variables with facts lack an entry in timeline.EXTRA_VARIABLES",
        sorted(set(outside) - set(offered)),
    )
    labels = load_labels()
    for lang in ("kk", "ru"):
        for v in offered:
            assert v in labels.names and labels.names[v][lang] != labels.names[v]["en"], (lang, v)
        dropdown = _find(T.layout(lang), "Dropdown", I.TIMELINE_VAR)
        shown = [o["label"] for o in dropdown.options]
        assert not set(shown) & set(offered), shown  # no raw name
        assert shown == [T.variable_title(v, lang) for v in offered]


def test_scenario_picker_is_a_checklist_of_full_titles():
    picker = _find(S.layout("kk"), "Checklist", I.SCENARIO_PICK)
    assert [o["label"] for o in picker.options] == [
        data.scenario_title(n, "kk") for n in data.scenario_names()
    ]
    assert picker.value == [data.HISTORICAL]


def test_tables_and_dropdowns_speak_the_language():
    from kazind.explorer import components

    for lang in ("kk", "ru"):
        _ = translator(lang)
        for tab, table_id in ((R.layout, I.FACT_TABLE), (MO.layout, I.MODEL_TABLE)):
            table = _find(tab(lang), "DataTable", table_id)
            assert table.filter_options["placeholder_text"] == _("filter...") != "filter..."
            assert table.filter_options["case"] == "insensitive"
            assert any(".dash-filter--case" in rule["selector"] for rule in table.css)
        labels = components.dropdown_labels(lang)
        assert "{num_selected}" in labels["selected_count"]
        assert "selected" not in labels["selected_count"].replace("{num_selected}", "")
        assert labels["search"] != "Search"


def test_charts_have_no_cloud_and_speak_the_language():
    from kazind.explorer.components import graph_config

    for lang in LANGS:
        cfg = graph_config("x", lang)
        assert cfg["locale"] == lang and cfg["displaylogo"] is False
        assert {"sendDataToCloud", "editInChartStudio", "lasso2d", "select2d"} <= set(
            cfg["modeBarButtonsToRemove"]
        )
    from kazind.explorer.i18n import PLOTLY_MESSAGES, plotly_locale

    kk = plotly_locale("kk")
    assert kk["format"]["decimal"] == "," and kk["dictionary"]["Zoom"] != "Zoom"
    assert set(PLOTLY_MESSAGES) <= set(plotly_locale("ru")["dictionary"]) | set(catalog("ru"))


def test_log_panel_ticks_are_powers_of_ten_in_the_locale():
    fig = T.panel_figure(
        "ru", T.PANELS[1][2], 1.0, "log", data.historical_run(), data.fact_points(), data.facts()
    )
    axis = fig["layout"]["yaxis"]
    assert axis["type"] == "log" and axis["tickvals"] == [0.1, 1.0, 10.0, 100.0, 1000.0]
    assert axis["ticktext"][0] == "0,1" and axis["ticktext"][-1].replace("\xa0", " ") == "1 000"
    assert fig["layout"]["legend"]["orientation"] == "h"  # under the chart, never over the lines


def test_shares_are_percentages_everywhere():
    from kazind.explorer import factview

    share = next(p for p in data.fact_points() if p.variable == "urban_share" and not p.implied)
    text = factview.fit_lines(share.fact_id, "ru")[0][1]
    assert "%" in text and "0,9" not in text.split("·")[0].replace("%", "")
    fig = T.panels("ru")[[k for k, *_r in T.PANELS].index("urban")]
    assert fig["layout"]["yaxis"]["tickformat"] == ".0%"


def test_outcome_caches_equal_a_fresh_computation():
    from kazind.scenarios.outcomes import OUTCOMES

    def fresh(ds):
        return {o.name: o.value(ds) for o in OUTCOMES}

    levers = list(_levers())
    levers[0] = data.levers()["investment_scale"].high
    levers = data.check_levers(levers)
    for cached, ds in (
        (data.scenario_outcomes(data.HISTORICAL), data.scenario_run(data.HISTORICAL)),
        (
            data.scenario_outcomes(data.scenario_names()[-1]),
            data.scenario_run(data.scenario_names()[-1]),
        ),
        (data.lever_outcomes(levers), data.lever_run(levers)),
        (
            data.lever_outcomes(levers, S.FAN_VARIABLES),
            data.lever_run(levers),
        ),  # the tab's lighter run
    ):
        assert dict(cached) == pytest.approx(fresh(ds), rel=1e-12, abs=1e-12)
    # the table built from the caches is the table built from the datasets
    runs = S._runs((data.HISTORICAL,), levers, "kk")
    with_cache = S.outcome_rows(
        "kk",
        runs,
        {
            data.HISTORICAL: data.scenario_outcomes(data.HISTORICAL),
            data.LEVERS_RUN: data.lever_outcomes(levers),
        },
    )
    assert with_cache == S.outcome_rows("kk", runs)


def test_serve_workers_must_be_positive_and_host_an_address():
    from kazind.commands.explorer import serve_command
    from kazind.common.errors import KazindError

    with pytest.raises(KazindError, match="--workers"):
        serve_command(host="127.0.0.1", port=8050, workers=0)
    with pytest.raises(KazindError, match="--host"):
        serve_command(host="a b", port=8050, workers=1)


def test_pages_registry_is_the_tab_order():
    from kazind.explorer.pages import PAGES

    assert [p.key for p in PAGES] == frame.page_keys()
    assert len({p.key for p in PAGES}) == len(PAGES)
    for p in PAGES:
        assert callable(p.layout) and callable(p.register)
        assert catalog("kk").get(p.label), p.label


def test_serve_on_all_interfaces_says_so(monkeypatch, capsys):
    """``--host 0.0.0.0`` (a classroom's network) is allowed and said on stderr; the default
    stays this machine only."""
    import kazind.explorer.server as server
    from kazind.commands.explorer import serve_command

    calls = []
    monkeypatch.setattr(server, "serve", lambda **kw: calls.append(kw))
    port = _free_port()
    serve_command(host="0.0.0.0", port=port, workers=2)
    err = capsys.readouterr().err
    assert calls == [{"host": "0.0.0.0", "port": port, "workers": 2}]
    assert "other machines of the network" in err and "http://127.0.0.1:" in err
    serve_command(host="127.0.0.1", port=port, workers=1)
    assert "other machines" not in capsys.readouterr().err
    import inspect

    assert inspect.signature(serve_command).parameters["host"].default.default == "127.0.0.1"


def test_a_state_default_given_as_a_function_is_found_on_first_use_and_checked():
    from kazind.explorer import state

    calls = []

    def default():
        calls.append(1)
        return "b"

    key = state.Key("test_lazy", default, choices=("a", "b"))
    assert calls == []  # nothing is computed when the key is made
    assert key.default == "b" and key.default == "b" and calls == [1]
    bad = state.Key("test_lazy_bad", lambda: "c", choices=("a", "b"))
    with pytest.raises(ValueError, match="test_lazy_bad"):
        _ = bad.default


def test_importing_the_debate_page_runs_no_scenario():
    """The debate's default scenarios are those that load and run: found when the page
    first needs them, not at import (importing the explorer's pages stays cheap)."""
    code = (
        "import kazind.explorer.pages.debate as d\n"
        "from kazind.explorer import data\n"
        "assert data._scenario_catalogue.cache_info().currsize == 0\n"
        "assert 'historical' in d.SCENARIOS.default.split(',')\n"
        "assert data._scenario_catalogue.cache_info().currsize == 1\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_map_shows_a_town_before_it_was_one_as_a_settlement():
    """Karaganda in 1926 was a посёлок (the record's town_from): the map's tooltip says so
    in the reader's language and its CSV row has kind "settlement"; in 1939 it is a city."""
    from kazind.record.places import load_gazetteer
    from kazind.record.railways import load_railways

    gaz = load_gazetteer()
    ds = data.historical_run()
    by_year = {}
    for year in (1926, 1939):
        trace = M._town_trace("ru", year, ds, gaz)
        by_year[year] = next(h for h in trace["hovertext"] if "<b>Караганда" in h)
    assert "посёлок, ещё не город" in by_year[1926]
    assert "посёлок" not in by_year[1939]
    rows = M.map_rows("kk", 1926, ds, gaz, load_railways(gazetteer=gaz))
    assert next(r for r in rows if r["id"] == "karaganda")["kind"] == "settlement"
    rows = M.map_rows("kk", 1939, ds, gaz, load_railways(gazetteer=gaz))
    assert next(r for r in rows if r["id"] == "karaganda")["kind"] == "city"
