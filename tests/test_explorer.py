"""The explorer (issue 6): app, layout ids, callbacks called directly, translations, report, server.

Fast and without a browser: each callback is a plain function of kazind.explorer.callbacks,
called here with good and bad input; one test starts the real server on a free port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser

import pytest

from kazind.explorer import callbacks as C
from kazind.explorer import data
from kazind.explorer import ids as I
from kazind.explorer.i18n import LANGS, catalog, fmt_number, fmt_percent, separators, translator
from kazind.explorer.messages import all_messages


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
    layout = app.layout() if callable(app.layout) else app.layout
    present = _ids(layout)
    missing = [i for i in I.all_ids() if i not in present]
    assert not missing, missing
    assert len(set(I.all_ids())) == len(I.all_ids())


def test_callbacks_are_registered(app):
    outputs = " ".join(app.callback_map)
    for cid in (I.TIMELINE_GRAPH, I.MAP_GRAPH, I.SCENARIO_GRAPH, I.FACT_TABLE, I.FACT_PANEL, I.BODY):
        assert cid in outputs


@pytest.mark.parametrize("lang", LANGS)
def test_body_and_title_in_each_language(lang):
    body, title = C.render_body(lang)
    assert title == translator(lang)("Industrialization of Kazakhstan, 1913-1940")
    assert I.TABS in _ids(body)


def test_body_unknown_language_is_a_message():
    body, title = C.render_body("de")
    assert "de" in str(body)


def test_timeline_has_paths_and_facts():
    fig, msg = C.timeline("kk")
    assert msg == ""
    facts = [t for t in fig["data"] if t.get("customdata")]
    assert facts and all(isinstance(x, str) for t in facts for x in t["customdata"])
    assert sum(len(t["customdata"]) for t in facts) >= 20
    fig, msg = C.timeline("xx")
    assert fig["data"] == [] and _is_message(msg)


def test_extra_variable_and_unknown_variable():
    variable = data.fact_points()[0].variable
    from kazind.explorer.figures import extra_variables

    good = extra_variables()[0]
    fig, msg = C.timeline_extra(good, "ru")
    assert msg == "" and fig["data"]
    fig, msg = C.timeline_extra("__import__", "ru")
    assert fig["data"] == [] and _is_message(msg)
    assert variable


def test_clicking_a_fact_shows_statement_quote_source_and_fit():
    point = next(p for p in data.fact_points() if p.fact_id.startswith("seed."))
    fact = data.facts().get(point.fact_id)
    panel = str(C.show_fact({"points": [{"customdata": point.fact_id}]}, None, "ru"))
    assert fact.statement.ru in panel
    assert fact.source.quote in panel
    assert fact.statement.en in panel and fact.statement.kk in panel
    assert translator("ru")("The model") in panel
    ext = next(p for p in data.fact_points() if p.fact_id.startswith("ext."))
    panel = str(C.show_fact(None, {"points": [{"customdata": ext.fact_id}]}, "en"))
    assert data.facts().get(ext.fact_id).source.citation in panel
    # nothing clicked, a line clicked, an unknown fact, a bad language
    assert "Click" in str(C.show_fact(None, None, "en"))
    assert "Click" in str(C.show_fact({"points": [{"x": 1926}]}, None, "en"))
    assert "unknown fact" in str(C.show_fact({"points": [{"customdata": "seed.no.such"}]}, None, "en"))
    assert "unknown language" in str(C.show_fact(None, None, "fr"))


@pytest.mark.parametrize("year", [1913, 1931, 1940])
def test_map_each_year(year):
    fig, msg = C.map_view(year, "kk")
    assert msg == ""
    names = [t.get("name", "") for t in fig["data"]]
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"
    assert str(year) in fig["layout"]["title"]["text"]
    assert len(names) >= 3


@pytest.mark.parametrize("year", [1800, 3000, "x", None, 1926.5, True])
def test_map_absurd_year_is_a_message(year):
    fig, msg = C.map_view(year, "en")
    assert fig["data"] == [] and _is_message(msg)


def test_map_grows_over_time():
    def count(year, kind):
        return sum(1 for r in C.figures.map_rows("en", year) if r["kind"] == kind)

    assert count(1940, "railway") > count(1913, "railway")
    assert count(1940, "enterprise") > count(1913, "enterprise")


def test_play_button_and_ticks():
    assert C.toggle_play(0, True, "kk") == (True, translator("kk")("Play"))
    disabled, label = C.toggle_play(1, True, "ru")
    assert disabled is False and label == translator("ru")("Pause")
    assert C.toggle_play(2, False, "en") == (True, "Play")
    assert C.next_year(1, 1926) == 1927
    assert C.next_year(1, 1940) == 1913
    assert C.next_year(1, "garbage") == 1913


def test_scenarios_and_levers():
    names = list(data.scenario_names())
    assert names[0] == "historical" and len(names) >= 2
    fig, cols, rows, msg = C.scenarios_view(names[:2], _levers(), [], 100, "kk")
    assert msg == "" and fig["data"] and rows
    assert [c["id"] for c in cols][2:] == names[:2]
    levers = _levers()
    levers[0] = 2.0  # investment_scale
    fig2, cols2, rows2, msg2 = C.scenarios_view(["historical"], levers, [], 100, "en")
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
        ([3], None, [], 100, "en"),
    ],
)
def test_scenarios_bad_input_is_a_message(names, levers, ensemble, size, lang):
    values = _levers()
    if isinstance(levers, dict):
        for i, v in levers.items():
            values[i] = v
    elif levers is not None:
        values = levers
    fig, cols, rows, msg = C.scenarios_view(names, values, ensemble, size, lang)
    assert _is_message(msg) and fig["data"] == [] and rows == []


def test_levers_within_the_constants_bounds():
    spec = {v.name: v for v in data.historical_model().spec.variables}
    for name, lever in data.levers().items():
        low, high = spec[name].bounds
        assert (lever.low, lever.high) == (low, high)
        assert low <= lever.default <= high
    assert C.reset_levers(1) == _levers()


def test_ensemble_fans_capped():
    if not data.ensemble_available():
        pytest.skip("kazind.analysis.ensemble is not installed")
    fig, cols, rows, msg = C.scenarios_view(["historical"], _levers(), ["on"], 20, "en")
    assert msg == ""
    assert any(t.get("fill") == "toself" for t in fig["data"])
    assert data.MAX_ENSEMBLE <= 500


def test_lever_change_is_fast():
    levers = _levers()
    C.scenarios_view(["historical"], levers, [], 100, "kk")  # warm
    times = []
    for k in range(5):
        levers[0] = 1.1 + 0.07 * k  # new values: not cached
        t0 = time.perf_counter()
        *_r, msg = C.scenarios_view(["historical"], levers, [], 100, "kk")
        times.append(time.perf_counter() - t0)
        assert msg == ""
    assert sorted(times)[len(times) // 2] < 0.3, times


def test_record_table_search_and_detail():
    rows, msg = C.record_rows(None, "kk")
    assert msg == "" and len(rows) == len(data.facts())
    assert {"id", "topic", "year", "places", "statement", "quote", "source", "reproduced"} <= set(rows[0])
    yes = translator("kk")("yes")
    assert any(r["reproduced"] == yes for r in rows)
    some, _m = C.record_rows("Қарағанды", "kk")
    assert 0 < len(some) < len(rows)
    bad_rows, bad_msg = C.record_rows(["x"], "kk")
    assert bad_rows == [] and _is_message(bad_msg)
    assert C.record_rows("x", "zz")[1]
    detail = str(C.record_detail({"row": 0, "column": 0, "row_id": rows[0]["id"]}, "en"))
    assert data.facts().get(rows[0]["id"]).statement.en in detail
    assert "Click a row" in str(C.record_detail(None, "en"))


def test_model_diagrams_and_downloads():
    from kazind.explorer.layout import model_doc, model_rows

    sector = next(iter(model_doc().sectors))
    src, msg = C.diagram(sector)
    assert src.startswith("data:image/svg+xml;base64,") and msg == ""
    src, msg = C.diagram("../../etc/passwd")
    assert src == "" and _is_message(msg)
    assert len(model_rows()) == len(data.historical_model().spec.variables)
    csv_text = C.download_model(1)["content"]
    assert csv_text.startswith("name,kind,sector")
    assert C.download_timeline(1, "kk")["filename"].endswith(".csv")
    assert "karaganda" in C.download_map(1, 1935, "en")["content"]
    assert "historical" in C.download_scenarios(1, ["historical"], _levers(), "kk")["content"]
    rows, _m = C.record_rows(None, "ru")
    assert C.download_record(1, rows[:3])["content"].count("\n") == 4


def test_every_message_translated_to_kazakh_and_russian():
    messages = all_messages()
    assert len(messages) > 100
    for lang in ("kk", "ru"):
        table = catalog(lang)
        missing = [m for m in messages if not table.get(m)]
        assert not missing, (lang, missing)
        same = [m for m in messages if table[m] == m and any(c.isalpha() for c in m) and m not in ("Map",)]
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
    _f, _c, rows_en, _m = C.scenarios_view(["historical"], _levers(), [], 100, "en")
    _f, _c, rows_ru, _m = C.scenarios_view(["historical"], _levers(), [], 100, "ru")
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

    code, _out, err = run_cli(monkeypatch, capsys, ["explorer"], "report", "historical", "--out", str(tmp_path / "r.html"), "--lang", "de")
    assert code == 2 and "unknown language" in err
    code, _out, err = run_cli(monkeypatch, capsys, ["explorer"], "report", "nope", "--out", str(tmp_path / "r.html"))
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


@pytest.mark.parametrize("workers", [1, 2])
def test_server_answers_on_localhost(workers):
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kazind", "serve", "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    children: list[int] = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as resp:
                    page = resp.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(proc.stderr.read().decode()[-2000:]) from None
                time.sleep(0.5)
        assert "<html" in page.lower() and "_dash-config" in page
        with urllib.request.urlopen(base + "/_dash-layout", timeout=10) as resp:
            layout = json.loads(resp.read())
        assert I.LANG in json.dumps(layout)
        children = _children(proc.pid)
        assert len(children) == workers - 1, children  # the forked workers
        for _ in range(2 * workers):  # every process answers
            with urllib.request.urlopen(base + "/_dash-layout", timeout=10) as resp:
                assert resp.status == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert all(_gone(c) for c in children), "a worker outlived kazind serve"


# ---------------------------------------------------------------- what a reader sees (issue 6 fixes)


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


def test_every_offered_variable_has_a_translated_label():
    from kazind.explorer import figures, layout

    offered = figures.extra_variables()
    assert offered, "the 'more variables' chart offers nothing"
    # a variable with facts but no label would be dropped silently: this says which
    assert figures.fact_variables_outside_panels() == offered, (
        "variables with facts lack a label in figures.EXTRA_VARIABLES",
        sorted(set(figures.fact_variables_outside_panels()) - set(offered)),
    )
    for lang in ("kk", "ru"):
        table = catalog(lang)
        for v in offered:
            label = figures.EXTRA_VARIABLES[v][0]
            assert table.get(label) and table[label] != label, (lang, v)
        dropdown = _find(layout.timeline_tab(lang), "Dropdown", I.TIMELINE_VAR)
        shown = [o["label"] for o in dropdown.options]
        assert not set(shown) & set(offered), shown  # no raw name
        assert shown == [figures.variable_label(v, lang) for v in offered]
        fig = figures.variable_figure(lang, offered[0])
        assert offered[0] not in json.dumps(fig["layout"]["annotations"], ensure_ascii=False)


def test_scenario_picker_is_a_checklist_of_full_titles():
    from kazind.explorer import layout

    picker = _find(layout.scenario_tab("kk"), "Checklist", I.SCENARIO_PICK)
    assert [o["label"] for o in picker.options] == [data.scenario_title(n, "kk") for n in data.scenario_names()]
    assert picker.value == [data.HISTORICAL]


def test_tables_and_dropdowns_speak_the_language():
    from kazind.explorer import layout

    for lang in ("kk", "ru"):
        _ = translator(lang)
        for tab, table_id in ((layout.record_tab, I.FACT_TABLE), (layout.model_tab, I.MODEL_TABLE)):
            table = _find(tab(lang), "DataTable", table_id)
            assert table.filter_options["placeholder_text"] == _("filter...") != "filter..."
            assert table.filter_options["case"] == "insensitive"
            assert any(".dash-filter--case" in rule["selector"] for rule in table.css)
        labels = layout.dropdown_labels(lang)
        assert "{num_selected}" in labels["selected_count"]
        assert "selected" not in labels["selected_count"].replace("{num_selected}", "")
        assert labels["search"] != "Search"


def test_log_panel_ticks_are_powers_of_ten_in_the_locale():
    from kazind.explorer import figures

    fig = figures.timeline_figure("ru")
    log_axes = [a for k, a in fig["layout"].items() if k.startswith("yaxis") and a.get("type") == "log"]
    assert len(log_axes) == 1
    assert log_axes[0]["tickvals"] == [0.1, 1.0, 10.0, 100.0, 1000.0]
    assert log_axes[0]["ticktext"][0] == "0,1" and log_axes[0]["ticktext"][-1].replace("\xa0", " ") == "1 000"
    # legends stand right of their panels, not over the lines
    for i in range(len(figures.PANELS)):
        key = "legend" if i == 0 else f"legend{i + 1}"
        xa = fig["layout"]["xaxis" if i == 0 else f"xaxis{i + 1}"]["domain"]
        assert fig["layout"][key]["x"] > xa[1]


def test_outcome_caches_equal_a_fresh_computation():
    from kazind.scenarios.outcomes import OUTCOMES, outcome_value

    def fresh(ds):
        return [outcome_value(ds, o) for o in OUTCOMES]

    levers = list(_levers())
    levers[0] = data.levers()["investment_scale"].high
    levers = data.check_levers(levers)
    for cached, ds in (
        (data.scenario_outcomes(data.HISTORICAL), data.scenario_run(data.HISTORICAL)),
        (data.scenario_outcomes(data.scenario_names()[-1]), data.scenario_run(data.scenario_names()[-1])),
        (data.lever_outcomes(levers), data.lever_run(levers)),
    ):
        assert cached == pytest.approx(fresh(ds), rel=1e-12, abs=1e-12)
    # the table built from the caches is the table built from the datasets
    runs = C._runs((data.HISTORICAL,), levers, "kk")
    from kazind.explorer import figures

    with_cache = figures.outcome_rows(
        "kk", runs, {data.HISTORICAL: data.scenario_outcomes(data.HISTORICAL), data.LEVERS_RUN: data.lever_outcomes(levers)}
    )
    assert with_cache == figures.outcome_rows("kk", runs)


def test_serve_workers_must_be_positive():
    from kazind.commands.explorer import serve_command
    from kazind.common.errors import KazindError

    with pytest.raises(KazindError, match="--workers"):
        serve_command(host="127.0.0.1", port=8050, workers=0)
