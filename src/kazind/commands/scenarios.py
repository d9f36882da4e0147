"""``kazind scenarios``, ``kazind scenarios show`` and ``kazind compare``.

``kazind scenarios [--lang kk|ru|en]`` lists every scenario found (shipped and user)
with its title, base and start year. ``kazind scenarios show NAME [--lang]`` prints one
scenario as its file argues it: its title and argument, the year it departs from
history, what it assumes, the record's facts and claims it rests on (with their
statements), what it leaves out, and each change with the year it acts from.

``kazind compare SCENARIO... [--runs N] [--seed S] [--out DIR] [--lang]`` runs the
scenarios on the calibrated values and on N paired draws of the calibration's posterior
(:mod:`kazind.analysis.compare`; ``--runs 0``: the calibrated runs alone) and prints
each outcome with its 90 % band, P(A beats B) of each scenario against the first, and
a line per scenario saying which differences are larger than the uncertainty. With
``--out``, writes ``compare.csv`` (beside each scenario's value, columns ``<scenario>
p05``, ``p50`` and ``p95``; then ``P(<A> beats <B>)`` and the 90 % band of each paired
difference), ``compare.json``, and the paths of the main outputs with their 90 % bands
as ``compare.html`` (plotly, self-contained: opens offline) and ``compare.png``
(matplotlib: plotly 7 needs kaleido >= 1, which drives an installed Chrome).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import typer

from kazind.commands import plain_console
from kazind.commands.run import _OneLineErrors
from kazind.common.errors import KazindError
from kazind.common.langs import LANGS

#: The chart panels: (output, scale, title by language, y format).
PANELS = (
    (
        "industrial_output_index",
        1.0,
        {
            "en": "Industrial output (1913 = 100)",
            "ru": "Промышленная продукция (1913 = 100)",
            "kk": "Өнеркәсіп өнімі (1913 = 100)",
        },
        "",
    ),
    (
        "processing_share_of_industry",
        1.0,
        {
            "en": "Processing and machine building, share of industry",
            "ru": "Доля обработки и машиностроения",
            "kk": "Өңдеу мен машина жасау үлесі",
        },
        ".0%",
    ),
    (
        "local_processing_share",
        1.0,
        {
            "en": "Raw materials processed in the republic",
            "ru": "Сырьё, переработанное в республике",
            "kk": "Республикада өңделген шикізат",
        },
        ".0%",
    ),
    (
        "workers_total",
        1e-3,
        {"en": "Workers (thousand)", "ru": "Рабочие (тыс.)", "kk": "Жұмысшылар (мың)"},
        "",
    ),
    (
        "kazakh_share_of_workers",
        1.0,
        {
            "en": "Kazakh share of workers",
            "ru": "Доля казахов среди рабочих",
            "kk": "Жұмысшылардағы қазақтар үлесі",
        },
        ".0%",
    ),
    (
        "skilled_kazakh_workers",
        1e-3,
        {
            "en": "Skilled Kazakh workers (thousand)",
            "ru": "Квалифицированные рабочие-казахи (тыс.)",
            "kk": "Білікті қазақ жұмысшылары (мың)",
        },
        "",
    ),
    (
        "urban_share",
        1.0,
        {
            "en": "Urban share of the population",
            "ru": "Доля городского населения",
            "kk": "Қала халқының үлесі",
        },
        ".0%",
    ),
    (
        "in_migration_flow",
        1e-3,
        {
            "en": "In-migrants (thousand a year)",
            "ru": "Прибывшие мигранты (тыс. в год)",
            "kk": "Келгендер (жылына, мың)",
        },
        "",
    ),
    (
        "famine_deaths",
        1e-3,
        {
            "en": "Famine deaths since 1913 (thousand)",
            "ru": "Смерти от голода с 1913 г. (тыс.)",
            "kk": "1913 жылдан бері аштықтан өлгендер (мың)",
        },
        "",
    ),
    (
        "agricultural_output_index",
        1.0,
        {
            "en": "Agricultural output (1913 = 100)",
            "ru": "Сельскохозяйственная продукция (1913 = 100)",
            "kk": "Ауыл шаруашылығы өнімі (1913 = 100)",
        },
        "",
    ),
)
CHART_VARIABLES = tuple(p[0] for p in PANELS)

HEAD = {
    "outcome": {"en": "outcome", "ru": "показатель", "kk": "көрсеткіш"},
    "when": {"en": "when", "ru": "когда", "kk": "қашан"},
    "title": {
        "en": "Scenario outcomes",
        "ru": "Итоги сценариев",
        "kk": "Сценарийлердің нәтижелері",
    },
    "band": {
        "en": "calibrated run [90 % band over {n:,} draws of the posterior, seed {seed}]",
        "ru": "калиброванный прогон [90-процентный интервал по {n:,} выборкам апостериорного распределения, seed {seed}]",
        "kk": "калибрленген есеп [апостериорлық үлестірімнің {n:,} таңдауы бойынша 90 % аралық, seed {seed}]",
    },
    "p_title": {
        "en": "P(scenario beats {ref}) over the paired draws (ties half; without a side: higher)",
        "ru": "P(сценарий лучше, чем {ref}) по парным выборкам (ничьи пополам; без стороны — выше)",
        "kk": "P(сценарий {ref} сценарийінен жақсы) жұпталған таңдаулар бойынша (тең — жартысы; жағы жоқта — жоғары)",
    },
    "larger": {
        "en": "{s} against {ref}: larger than the uncertainty (the 90 % band of the paired difference leaves out 0): {items}",
        "ru": "{s} против {ref}: больше неопределённости (90-процентный интервал парной разности не содержит 0): {items}",
        "kk": "{s} мен {ref}: айырма белгісіздіктен үлкен (жұпталған айырманың 90 % аралығында 0 жоқ): {items}",
    },
    "none": {"en": "none", "ru": "нет", "kk": "жоқ"},
    "name": {"en": "name", "ru": "имя", "kk": "атауы"},
    "list_title": {"en": "Scenarios", "ru": "Сценарии", "kk": "Сценарийлер"},
    "col_title": {"en": "title", "ru": "название", "kk": "тақырыбы"},
    "base": {"en": "base", "ru": "основа", "kk": "негізі"},
    "starts": {"en": "departs", "ru": "отходит", "kk": "ажырайды"},
    "file": {"en": "file", "ru": "файл", "kk": "файл"},
}

SHOW = {
    "departs": {
        "en": "Departs from history in",
        "ru": "Отходит от истории в",
        "kk": "Тарихтан ажырайтын жылы",
    },
    "never": {
        "en": "never: it is history",
        "ru": "никогда: это история",
        "kk": "ешқашан: бұл тарих",
    },
    "base": {"en": "Base", "ru": "Основа", "kk": "Негізі"},
    "investment": {
        "en": "Total investment historical",
        "ru": "Общие капиталовложения исторические",
        "kk": "Күрделі қаржының жалпы көлемі тарихи",
    },
    "yes": {"en": "yes", "ru": "да", "kk": "иә"},
    "no": {"en": "no", "ru": "нет", "kk": "жоқ"},
    "argument": {"en": "The argument", "ru": "Аргумент", "kk": "Дәлел"},
    "assumptions": {"en": "What it assumes", "ru": "Что он предполагает", "kk": "Не болжайды"},
    "rests_on": {
        "en": "What it rests on (the record)",
        "ru": "На что он опирается (запись)",
        "kk": "Неге сүйенеді (жазба)",
    },
    "leaves_out": {
        "en": "What it leaves out",
        "ru": "Чего он не учитывает",
        "kk": "Нені ескермейді",
    },
    "changes": {
        "en": "Its changes to the model",
        "ru": "Его изменения модели",
        "kk": "Модельдегі өзгерістері",
    },
    "from": {"en": "from", "ru": "с", "kk": "бастап"},
    "history": {"en": "history", "ru": "история", "kk": "тарих"},
    "not_given": {
        "en": "(not given in the file)",
        "ru": "(в файле не указано)",
        "kk": "(файлда жоқ)",
    },
}


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise KazindError(f"--lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


scenarios_app = typer.Typer(
    name="scenarios",
    help="The scenarios (shipped and user): list them, or show one as its file argues it.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@scenarios_app.callback(invoke_without_command=True)
def scenarios_command(
    ctx: typer.Context,
    lang: str = typer.Option("en", "--lang", help="language of the titles: kk, ru or en"),
) -> None:
    """List the scenarios (shipped and user) with their titles and start years."""
    lang = _lang(lang)
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from kazind.scenarios import list_scenarios, load_scenario

    table = Table(title=HEAD["list_title"][lang])
    for col in ("name", "col_title", "base", "starts", "file"):
        table.add_column(HEAD[col][lang])
    for name in list_scenarios():
        s = load_scenario(name)
        departs = "" if s.departure is None else f"{s.departure:g}"
        table.add_row(s.name, s.title.get(lang, s.name), s.base or "", departs, s.file)
    plain_console(width=200).print(table)


def _value_text(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v:g}" for k, v in value.items())
    return f"{value:g}"


def _history_text(var, value) -> str:
    if isinstance(value, dict) and isinstance(var.value, dict):
        return ", ".join(f"{k}: {var.value.get(k, var.value.get('*')):g}" for k in value)
    if isinstance(value, dict):
        return f"{float(var.value):g}"
    return _value_text(var.value)


def scenario_text(name: str, lang: str) -> list[str]:
    """The lines ``kazind scenarios show`` prints for scenario ``name`` in ``lang``."""
    import textwrap

    from kazind.record.facts import default_table
    from kazind.scenarios import load_scenario
    from kazind.scenarios.loader import calibrated_spec

    s = load_scenario(name)
    t = {k: v[lang] for k, v in SHOW.items()}
    wrap = textwrap.TextWrapper(width=100, initial_indent="  ", subsequent_indent="  ")
    bullet = textwrap.TextWrapper(width=100, initial_indent="  - ", subsequent_indent="    ")
    lines = [f"{s.name}: {s.title.get(lang, s.name)}", f"  {s.file}"]
    lines.append(f"{t['departs']}: {t['never'] if s.departure is None else f'{s.departure:g}'}")
    if s.base:
        lines.append(f"{t['base']}: {' <- '.join(s.chain)}")
    lines.append(f"{t['investment']}: {t['yes'] if s.keeps_historical_investment else t['no']}")
    lines += ["", t["argument"] + ":", *wrap.wrap(s.description.get(lang, "") or t["not_given"])]
    lines += ["", t["assumptions"] + ":"]
    lines += [w for a in s.assumptions.get(lang, ()) for w in bullet.wrap(a)] or [
        "  " + t["not_given"]
    ]
    lines += ["", t["rests_on"] + ":"]
    facts = default_table()
    for fact_id in s.rests_on:
        lines += bullet.wrap(f"{fact_id}: {getattr(facts.get(fact_id).statement, lang)}")
    if not s.rests_on:
        lines.append("  " + t["not_given"])
    lines += ["", t["leaves_out"] + ":"]
    lines += [w for a in s.leaves_out.get(lang, ()) for w in bullet.wrap(a)] or [
        "  " + t["not_given"]
    ]
    lines += ["", t["changes"] + ":"]
    spec = calibrated_spec()
    for var_name, year in s.change_starts().items():
        var = spec.variable(var_name)
        if var_name in s.schedules:
            steps = "; ".join(f"{y}: {v:g}" for y, v in s.schedules[var_name])
            value = (
                _value_text(s.parameters[var_name]) + "; " if var_name in s.parameters else ""
            ) + steps
        else:
            value = _value_text(s.parameters[var_name])
        unit = "" if var.unit in ("dimensionless", "1") else f" {var.unit}"
        lines.append(
            f"  {var_name} = {value}{unit} ({t['history']} {_history_text(var, s.parameters.get(var_name, 0.0))}),"
            f" {t['from']} {year:g}"
        )
    return lines


@scenarios_app.command("show", cls=_OneLineErrors)
def show_command(
    name: str = typer.Argument(None, help="a scenario name or .yaml file (see 'kazind scenarios')"),
    lang: str = typer.Option("en", "--lang", help="language: kk, ru or en"),
) -> None:
    """Show a scenario: its argument, assumptions, what it rests on and leaves out, its changes."""
    from kazind.scenarios import list_scenarios

    lang = _lang(lang)
    if name is None:
        raise KazindError(
            f"scenarios show: name a scenario; available: {', '.join(list_scenarios())}"
        )
    for line in scenario_text(name, lang):
        typer.echo(line)


# ---------------------------------------------------------------- compare


def _cell(cmp, scenario: str, o, lang: str) -> str:
    from kazind.explorer.i18n import fmt_number, fmt_percent

    def fmt(v: float) -> str:
        if not math.isfinite(v):
            return "–"
        if "%" in o.fmt:
            return fmt_percent(v, lang)
        return fmt_number(v, lang, 1 if ".1f" in o.fmt else 0)

    text = fmt(cmp.value(scenario, o))
    if cmp.uncertain:
        low, _mid, high = cmp.quantiles(scenario, o)
        text += f" [{fmt(low)}, {fmt(high)}]"
    return text


def _difference_text(cmp, s: str, o, lang: str) -> str:
    from kazind.explorer.i18n import fmt_number

    diff = cmp.value(s, o) - cmp.value(cmp.reference, o)
    sign = "+" if diff >= 0 else "−"
    size, unit = (abs(100 * diff), " pp") if "%" in o.fmt else (abs(diff), "")
    digits = 1 if "%" in o.fmt or ".1f" in o.fmt else 0
    while (
        0 < size < 10**-digits and digits < 4
    ):  # a difference beyond the uncertainty is never shown as 0
        digits += 1
    return f"{o.label[lang]} {sign}{fmt_number(size, lang, digits)}{unit}"


def _print_comparison(cmp, scenarios: list, lang: str) -> None:
    from rich.table import Table

    from kazind.scenarios.outcomes import WHEN

    title = HEAD["title"][lang]
    if cmp.uncertain:
        title += ": " + HEAD["band"][lang].format(n=cmp.runs, seed=cmp.seed)
    table = Table(title=title)
    table.add_column(HEAD["outcome"][lang])
    table.add_column(HEAD["when"][lang])
    for s in scenarios:
        table.add_column(s.name, justify="right")
    for o in cmp.outcomes:
        table.add_row(
            o.label[lang], WHEN[o.how][lang], *(_cell(cmp, s.name, o, lang) for s in scenarios)
        )
    console = plain_console(width=max(120, 60 + 26 * len(scenarios)))
    console.print(table)
    for s in scenarios:
        console.print(f"{s.name}: {s.title.get(lang, s.name)}", highlight=False)
    others = [s for s in scenarios if s.name != cmp.reference]
    if not cmp.uncertain or not others:
        return
    table = Table(title=HEAD["p_title"][lang].format(ref=cmp.reference))
    table.add_column(HEAD["outcome"][lang])
    table.add_column(HEAD["when"][lang])
    for s in others:
        table.add_column(s.name, justify="right")
    for o in cmp.outcomes:
        table.add_row(
            o.label[lang], WHEN[o.how][lang], *(f"{cmp.p_beats(s.name, o):.2f}" for s in others)
        )
    console.print(table)
    for s in others:
        items = [
            _difference_text(cmp, s.name, o, lang) + f" ({WHEN[o.how][lang]})"
            for o in cmp.outcomes
            if cmp.larger_than_uncertainty(s.name, o)
        ]
        text = "; ".join(items) if items else HEAD["none"][lang]
        console.print(
            HEAD["larger"][lang].format(s=s.name, ref=cmp.reference, items=text), highlight=False
        )
    for name, failed in cmp.failed.items():
        if failed:
            typer.echo(
                f"kazind: warning: {name}: {failed:,} of {cmp.runs:,} draws failed numerically and are left out",
                err=True,
            )


def csv_header(cmp) -> list[str]:
    """The columns of ``compare.csv``."""
    head = ["outcome", "label", "when", "variable", "better_if"]
    for name in cmp.names:
        head += [name] + ([f"{name} p05", f"{name} p50", f"{name} p95"] if cmp.uncertain else [])
    if cmp.uncertain:
        for name in cmp.names[1:]:
            head += [
                f"P({name} beats {cmp.reference})",
                f"{name} - {cmp.reference}: 90 % low",
                f"{name} - {cmp.reference}: 90 % high",
                f"{name} - {cmp.reference}: larger than the uncertainty",
            ]
    return head


def comparison_rows(cmp, lang: str) -> list[dict]:
    """One record per outcome: its values, bands, probabilities and difference bands."""
    from kazind.scenarios.outcomes import WHEN

    rows = []
    for o in cmp.outcomes:
        row = {
            "key": o.name,
            "label": o.label[lang],
            "when": WHEN[o.how][lang],
            "variable": o.variable,
            "how": o.how,
            "better_if": {True: "higher", False: "lower", None: "none"}[o.higher_is_better],
            "values": {n: cmp.value(n, o) for n in cmp.names},
        }
        if cmp.uncertain:
            row["p05"], row["p50"], row["p95"] = (
                {n: cmp.quantiles(n, o)[i] for n in cmp.names} for i in range(3)
            )
            others = cmp.names[1:]
            row["p_beats_reference"] = {n: cmp.p_beats(n, o) for n in others}
            row["difference_band"] = {n: list(cmp.difference_band(n, o)) for n in others}
            row["larger_than_uncertainty"] = {n: cmp.larger_than_uncertainty(n, o) for n in others}
        rows.append(row)
    return rows


def write_tables(cmp, scenarios: list, csv_path: Path, json_path: Path, lang: str) -> None:
    """The comparison as CSV and as JSON (with each scenario's content), atomically."""
    from kazind.common.atomic import atomic_write

    rows = comparison_rows(cmp, lang)
    with atomic_write(csv_path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(csv_header(cmp))
        for row in rows:
            cells = [row["key"], row["label"], row["when"], row["variable"], row["better_if"]]
            for name in cmp.names:
                cells.append(repr(row["values"][name]))
                if cmp.uncertain:
                    cells += [repr(row[q][name]) for q in ("p05", "p50", "p95")]
            if cmp.uncertain:
                for name in cmp.names[1:]:
                    low, high = row["difference_band"][name]
                    cells += [
                        repr(row["p_beats_reference"][name]),
                        repr(low),
                        repr(high),
                        str(row["larger_than_uncertainty"][name]).lower(),
                    ]
            writer.writerow(cells)
    doc = {
        "lang": lang,
        "reference": cmp.reference,
        "runs": cmp.runs,
        "seed": cmp.seed,
        "band": "5th-95th percentile over paired draws of the calibration's posterior"
        if cmp.uncertain
        else None,
        "scenarios": [
            {
                "name": s.name,
                "title": s.title,
                "base": s.base,
                "file": s.file,
                "departure": s.departure,
                "keeps_historical_investment": s.keeps_historical_investment,
                **s.content(),
            }
            for s in scenarios
        ],
        "outcomes": rows,
    }
    with atomic_write(json_path) as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=2, allow_nan=True)
        fh.write("\n")


def _subtitle(cmp, lang: str) -> str:
    return HEAD["title"][lang] + (
        "; " + HEAD["band"][lang].format(n=cmp.runs, seed=cmp.seed) if cmp.uncertain else ""
    )


def compare_command(
    scenarios: list[str] = typer.Argument(
        None, help="scenario names or .yaml files (see 'kazind scenarios')"
    ),
    runs: int = typer.Option(
        None,
        "--runs",
        help="paired draws of the posterior per scenario (0: the calibrated runs only)",
    ),
    seed: int = typer.Option(0, "--seed", help="seed of the draws (default 0)"),
    out: Path = typer.Option(
        None, "--out", help="directory to write compare.csv, .json, .html and .png"
    ),
    lang: str = typer.Option("en", "--lang", help="language of the table: kk, ru or en"),
) -> None:
    """Compare scenarios' outcomes in 1940 and over 1926-1940, with their uncertainty."""
    from kazind.analysis.charts import comparison_chart, write_comparison_png
    from kazind.analysis.compare import DEFAULT_RUNS, compare_scenarios
    from kazind.common.atomic import OutputSet, check_output_dir
    from kazind.common.checks import check_count, check_seed
    from kazind.common.writers import write_html
    from kazind.scenarios import list_scenarios, load_scenario
    from kazind.scenarios.run import check_run_fits

    lang = _lang(lang)
    runs = check_count("--runs", DEFAULT_RUNS if runs is None else runs, minimum=0)
    seed = check_seed(seed, "--seed")
    if not scenarios:
        raise KazindError(f"compare: name scenarios; available: {', '.join(list_scenarios())}")
    if out is not None:
        check_output_dir(out)
    loaded = [load_scenario(s) for s in scenarios]
    names = [s.name for s in loaded]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise KazindError(f"compare: scenario named twice: {', '.join(twice)}")
    from kazind.scenarios.loader import calibrated_spec

    step = calibrated_spec().time.dt
    for s in loaded:
        check_run_fits(s, save_step=step)
    cmp = compare_scenarios(loaded, runs, seed, chart_variables=CHART_VARIABLES)
    _print_comparison(cmp, loaded, lang)
    if out is not None:
        with OutputSet(
            out, f"kazind compare {' '.join(names)} --runs {runs} --seed {seed}"
        ) as files:
            write_tables(cmp, loaded, files.stage("compare.csv"), files.stage("compare.json"), lang)
            title = _subtitle(cmp, lang)
            write_html(
                comparison_chart(cmp, loaded, PANELS, lang, title), files.stage("compare.html")
            )
            write_comparison_png(cmp, loaded, PANELS, files.stage("compare.png"), lang, title)
        typer.echo("wrote " + ", ".join(str(files.target(n)) for n in files.names))


def register(app: typer.Typer) -> None:
    """Add ``scenarios`` (with ``show``) and ``compare`` to the root command line."""
    app.add_typer(scenarios_app, name="scenarios")
    app.command("compare", cls=_OneLineErrors)(compare_command)
