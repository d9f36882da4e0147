"""The lesson's tabs without a browser: their callbacks, the teacher's levers, the events."""

from __future__ import annotations

import pytest

from kazind.explorer import data, state
from kazind.explorer import ids as I
from kazind.explorer.i18n import InputError
from kazind.explorer.lesson import load_lesson
from kazind.explorer.lesson.runs import check_factors, lever_changes, lever_run, scenario_departure
from kazind.explorer.pages import PAGES, debate, events, story


def test_the_lesson_tabs_come_first_and_declare_their_keys_of_the_url():
    assert [p.key for p in PAGES][:3] == ["start", "story", "debate"]
    keys = state.keys()
    for name in ("chapter", "year", "scenarios", "on", "levers"):
        assert name in keys
    st = state.parse(
        "?tab=story&chapter=the-debate&scenarios=historical,integrated-development&levers=1,1,2,1,1,1,1,1,1"
    )
    assert st["chapter"] == "the-debate" and st["levers"] == "1,1,2,1,1,1,1,1,1"
    assert state.parse("?chapter=nope&levers=7,7")["chapter"] == story.CHAPTER.default
    assert state.parse("?levers=7,7")["levers"] == debate.LEVERS.default


def test_a_chapter_is_built_only_on_its_tab_and_once():
    text, questions, key, msg, toc = story.render(
        {"tab": "story", "chapter": "the-debate"}, "ru", None
    )
    assert key == ["the-debate", "ru"] and msg == ""
    assert len(questions) == len(load_lesson("ru").chapter("the-debate").questions)
    assert sum("kz-toc-item--current" in c for c in toc) == 1
    again = story.render({"tab": "story", "chapter": "the-debate"}, "ru", key)
    assert all(x is not None for x in again) and again[2] is not key  # no_update: nothing re-sent
    hidden = story.render({"tab": "map", "chapter": "the-debate"}, "ru", None)
    assert len(hidden[4]) == len(story.CHAPTERS)


def test_a_chapter_switch_sends_the_charts_and_only_the_maps_year_layer():
    from dash import Patch, no_update

    from kazind.explorer.pages import map as map_page

    chapters = load_lesson("kk").chapters
    a, b = chapters[1], chapters[2]  # NEP restoration and the debate: both mapped in 1926
    assert a.map_year == b.map_year
    on_page = [story.MAP_GRAPH]  # the map drawn in its box
    charts, box, figures, heading, drawn, msg = story.draw(
        [b.id, "kk"], [a.id, "kk", a.map_year], on_page
    )
    assert msg == "" and drawn == [b.id, "kk", b.map_year]
    assert len(charts) == len(b.chart)
    assert box is no_update and figures == [no_update] and heading is no_update
    c = next(x for x in chapters if x.map_year != b.map_year)
    charts, box, figures, heading, drawn, msg = story.draw([c.id, "kk"], drawn, on_page)
    assert box is no_update and isinstance(figures[0], Patch) and str(c.map_year) in heading
    ops = figures[0].to_plotly_json()["operations"]
    first = map_page.n_static()
    touched = sorted(op["location"][1] for op in ops if op["location"][0] == "data")
    assert touched == list(range(first, first + map_page.YEAR_SLOTS))  # never the static layer
    # the patch makes the map of the chapter's year out of any other year's map
    before = story.year_map(b.map_year, "kk")
    after = {"data": list(before["data"]), "layout": before["layout"]}
    for op in ops:
        if op["location"][0] == "data":
            after["data"][op["location"][1]] = op["params"]["value"]
    assert after["data"] == story.year_map(c.map_year, "kk")["data"]
    assert story.draw(drawn[:2], drawn, on_page)[0] is no_update  # drawn already: nothing sent
    # a panel just built (a new language, a first visit): the whole map into its box
    charts, box, figures, *_rest = story.draw([c.id, "ru"], None, [])
    assert figures == [] and len(charts) == len(c.chart)
    assert box[0].figure["data"] == story.year_map(c.map_year, "ru")["data"]


def test_every_chapter_has_its_charts_and_map_in_every_language():
    for lang in ("kk", "ru", "en"):
        for c in load_lesson(lang).chapters:
            figs = story.chapter_figures(c, lang)
            assert len(figs) == len(c.chart)
            for title, fig in figs:
                assert title and "_" not in title, (lang, c.id, title)  # a reader's name, not an id
                assert any(t.get("mode") == "lines" for t in fig["data"]), (c.id, title)
            assert story.chapter_map(c, lang)["data"]


def test_the_debate_draws_departures_and_the_levers_on_a_counterfactual():
    names = ["historical", "integrated-development"]
    positions = [1] * len(I.LEVERS)  # slider positions: 1 is x1, 2 is x2
    positions[I.LEVERS.index("organised_recruitment_level")] = 2
    out = debate.view(names, "integrated-development", positions, "kk")
    figs, key, _note, msg = out[: len(debate.PANEL_KEYS)], *out[len(debate.PANEL_KEYS) :]
    assert msg == ""
    assert "сіздің тетіктеріңізбен" in str(key)
    lines = [t for t in figs[0]["data"] if t.get("mode") == "lines"]
    assert len(lines) == 3  # history, the scenario, the scenario with the teacher's levers
    if scenario_departure("integrated-development") is not None:
        assert figs[0]["layout"]["shapes"]
    positions[I.LEVERS.index("organised_recruitment_level")] = 7
    bad = debate.view(names, "integrated-development", positions, "kk")
    assert bad[-1]  # a message, no crash


def test_a_lever_moved_sends_only_the_levers_run():
    from dash import Patch

    names = ["historical", "integrated-development"]
    still = [1] * len(I.LEVERS)
    moved = list(still)
    moved[I.LEVERS.index("investment_scale")] = 2
    n = len(debate.PANEL_KEYS)
    plain = debate.view(names, "integrated-development", still, "kk")[:n]
    full = debate.view(names, "integrated-development", moved, "kk")[:n]
    patches = debate.view(names, "integrated-development", moved, "kk", patch=True)[:n]
    for before, after, patch in zip(plain, full, patches, strict=True):
        assert isinstance(patch, Patch)
        ops = patch.to_plotly_json()["operations"]
        assert [op["location"] for op in ops] == [["data", len(before["data"]) - 1]]
        # the change applied to the chart on the page is the chart drawn whole
        assert before["data"][:-1] + [ops[0]["params"]["value"]] == after["data"]
        assert before["layout"] == after["layout"]
    back = debate.view(names, "integrated-development", still, "kk", patch=True)[:n]
    assert back[0].to_plotly_json()["operations"][0]["params"]["value"] == debate.NO_LEVER_RUN


def test_a_lever_step_multiplies_the_chosen_scenarios_own_value_within_bounds():
    recruitment = I.LEVERS.index("organised_recruitment_level")
    factors = [1.0] * len(I.LEVERS)
    factors[recruitment] = 2.0
    params, series, capped = lever_changes("integrated-development", tuple(factors))
    times, values = series["organised_recruitment_level"]
    from kazind.scenarios.run import compiled_scenario

    own = {v.name: v for v in compiled_scenario("integrated-development").spec.variables}[
        "organised_recruitment_level"
    ]
    assert values == [
        min(2 * v, data.levers()["organised_recruitment_level"].high) for v in own.values
    ]
    hiring = I.LEVERS.index("local_hiring_priority")
    factors = [1.0] * len(I.LEVERS)
    factors[hiring] = 3.0
    params, _s, capped = lever_changes("integrated-development", tuple(factors))
    assert params["local_hiring_priority"] <= data.levers()["local_hiring_priority"].high
    ds = lever_run("integrated-development", tuple(factors))
    base = data.scenario_run("integrated-development")
    assert float(ds["kazakh_share_of_workers"].values[-1]) != float(
        base["kazakh_share_of_workers"].values[-1]
    )


@pytest.mark.parametrize("bad", [[1, 1], [1, 1, 1, 1, 1, 1.5], ["x"] * 6, [True] * 6])
def test_a_bad_lever_step_is_refused(bad):
    with pytest.raises(InputError):
        check_factors(bad)


def test_an_event_click_tells_what_happened_and_its_facts():
    e = next(e for e in load_lesson("en").events if e.id == "karlag-1931")
    click = {"points": [{"customdata": e.id}]}
    detail = events.show(click, [], "en")
    text = str(detail)
    assert e.text in text and "ext.migration.karlag_founded_1931" in text
    fig = events.events_figure("kk", load_lesson("kk").events)
    labels = [x for t in fig["data"] for x in t.get("text", [])]
    assert "Ашаршылық" in labels and "Түрксіб" in labels
