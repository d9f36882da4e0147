"""``kazind scenarios`` and ``kazind compare``: list the scenarios; compare their outcomes.

``kazind scenarios [--lang kk|ru|en]`` lists every scenario found (shipped and user)
with its title and base. ``kazind compare SCENARIO... [--out DIR] [--lang kk|ru|en]``
runs the scenarios, prints the outcome table (:mod:`kazind.scenarios.outcomes`) and,
with ``--out``, writes ``compare.csv``, ``compare.json``, and the paths of the main
outputs as ``compare.html`` (interactive, plotly, self-contained: the plotly library is
embedded, so it opens offline) and ``compare.png`` (matplotlib: plotly 7 needs
kaleido >= 1, which drives an installed Chrome; kaleido 0.2.1's bundled renderer fails
with plotly 7's figures).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer

from kazind.commands import plain_console
from kazind.commands.run import _OneLineErrors
from kazind.common.errors import KazindError

LANGS = ("kk", "ru", "en")

#: The chart panels: (output, scale, title by language, y format).
PANELS = (
    ("industrial_output_index", 1.0, {"en": "Industrial output (1913 = 100)", "ru": "Промышленная продукция (1913 = 100)", "kk": "Өнеркәсіп өнімі (1913 = 100)"}, ""),
    ("processing_share_of_industry", 1.0, {"en": "Processing and machine building, share of industry", "ru": "Доля обработки и машиностроения", "kk": "Өңдеу мен машина жасау үлесі"}, ".0%"),
    ("local_processing_share", 1.0, {"en": "Raw materials processed in the republic", "ru": "Сырьё, переработанное в республике", "kk": "Республикада өңделген шикізат"}, ".0%"),
    ("workers_total", 1e-3, {"en": "Workers (thousand)", "ru": "Рабочие (тыс.)", "kk": "Жұмысшылар (мың)"}, ""),
    ("kazakh_share_of_workers", 1.0, {"en": "Kazakh share of workers", "ru": "Доля казахов среди рабочих", "kk": "Жұмысшылардағы қазақтар үлесі"}, ".0%"),
    ("skilled_kazakh_workers", 1e-3, {"en": "Skilled Kazakh workers (thousand)", "ru": "Квалифицированные рабочие-казахи (тыс.)", "kk": "Білікті қазақ жұмысшылары (мың)"}, ""),
    ("urban_share", 1.0, {"en": "Urban share of the population", "ru": "Доля городского населения", "kk": "Қала халқының үлесі"}, ".0%"),
    ("in_migration_flow", 1e-3, {"en": "In-migrants (thousand a year)", "ru": "Прибывшие мигранты (тыс. в год)", "kk": "Келгендер (жылына, мың)"}, ""),
    ("famine_deaths", 1e-3, {"en": "Famine deaths since 1913 (thousand)", "ru": "Смерти от голода с 1913 г. (тыс.)", "kk": "1913 жылдан бері аштықтан өлгендер (мың)"}, ""),
    ("agricultural_output_index", 1.0, {"en": "Agricultural output (1913 = 100)", "ru": "Сельскохозяйственная продукция (1913 = 100)", "kk": "Ауыл шаруашылығы өнімі (1913 = 100)"}, ""),
)  # fmt: skip

HEAD = {
    "outcome": {"en": "outcome", "ru": "показатель", "kk": "көрсеткіш"},
    "when": {"en": "when", "ru": "когда", "kk": "қашан"},
    "title": {
        "en": "Scenario outcomes",
        "ru": "Итоги сценариев",
        "kk": "Сценарийлердің нәтижелері",
    },
    "year": {"en": "year", "ru": "год", "kk": "жыл"},
}


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise KazindError(f"--lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def scenarios_command(
    lang: str = typer.Option("en", "--lang", help="language of the titles: kk, ru or en"),
) -> None:
    """List the scenarios (shipped and user) with their titles."""
    from rich.table import Table

    from kazind.scenarios import list_scenarios, load_scenario

    lang = _lang(lang)
    table = Table(title={"en": "Scenarios", "ru": "Сценарии", "kk": "Сценарийлер"}[lang])
    for col in ("name", "title", "base", "file"):
        table.add_column(col)
    for name in list_scenarios():
        s = load_scenario(name)
        table.add_row(s.name, s.title.get(lang, s.name), s.base or "", s.file)
    plain_console(width=200).print(table)


def _print_table(rows: list[dict], scenarios: list, lang: str) -> None:
    from rich.table import Table

    table = Table(title=HEAD["title"][lang])
    table.add_column(HEAD["outcome"][lang])
    table.add_column(HEAD["when"][lang])
    for s in scenarios:
        table.add_column(s.name, justify="right")
    for row in rows:
        table.add_row(row["label"], row["when"], *(row["formatted"][s.name] for s in scenarios))
    console = plain_console(width=max(120, 60 + 22 * len(scenarios)))
    console.print(table)
    for s in scenarios:
        console.print(f"{s.name}: {s.title.get(lang, s.name)}", highlight=False)


def write_tables(rows: list[dict], scenarios: list, csv_path: Path, json_path: Path, lang: str) -> None:
    """The outcome table as CSV and as JSON (with each scenario's content), atomically."""
    from kazind.common.atomic import atomic_write

    with atomic_write(csv_path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["outcome", "label", "when", "variable", *(s.name for s in scenarios)])
        for row in rows:
            writer.writerow(
                [row["key"], row["label"], row["when"], row["variable"]]
                + [repr(row["values"][s.name]) for s in scenarios]
            )
    doc = {
        "lang": lang,
        "scenarios": [
            {
                "name": s.name,
                "title": s.title,
                "base": s.base,
                "file": s.file,
                "keeps_historical_investment": s.keeps_historical_investment,
                **s.content(),
            }
            for s in scenarios
        ],
        "outcomes": [{k: v for k, v in row.items() if k != "formatted"} for row in rows],
    }
    with atomic_write(json_path) as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=2)
        fh.write("\n")


def _paths(ds, scenarios: list):
    """(panel, {scenario: (years, values)}) for every chart panel."""
    years = ds["time"].values
    out = []
    for var, scale, title, fmt in PANELS:
        lines = {s.name: (years, ds[var].sel(scenario=s.name).values * scale) for s in scenarios}
        out.append(((var, scale, title, fmt), lines))
    return out


def write_html(ds, scenarios: list, path: Path, lang: str) -> None:
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.colors import qualitative
    from plotly.subplots import make_subplots

    from kazind.analysis.charts import literal
    from kazind.common.atomic import atomic_write

    panels = _paths(ds, scenarios)
    cols, nrows = 2, (len(panels) + 1) // 2
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=[p[0][2][lang] for p in panels],
        vertical_spacing=0.06,
    )
    colors = qualitative.D3
    for i, ((_var, _scale, _title, fmt), lines) in enumerate(panels):
        r, c = i // cols + 1, i % cols + 1
        for j, s in enumerate(scenarios):
            x, y = lines[s.name]
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    name=literal(s.title.get(lang, s.name)),
                    legendgroup=s.name,
                    showlegend=i == 0,
                    line={"color": colors[j % len(colors)]},
                ),
                row=r,
                col=c,
            )
        if fmt:
            fig.update_yaxes(tickformat=fmt, row=r, col=c)
    fig.update_layout(
        height=320 * nrows,
        width=1200,
        title=HEAD["title"][lang],
        legend={"orientation": "h", "y": -0.03},
        template="plotly_white",
    )
    html = pio.to_html(fig, include_plotlyjs=True, full_html=True)
    with atomic_write(path) as fh:
        fh.write(html)


def write_png(ds, scenarios: list, path: Path, lang: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    from kazind.analysis.charts import mpl_literal
    from kazind.common.atomic import atomic_path

    panels = _paths(ds, scenarios)
    cols, nrows = 2, (len(panels) + 1) // 2
    fig, axes = plt.subplots(nrows, cols, figsize=(12, 3.0 * nrows), sharex=True)
    for ax, ((_var, _scale, title, fmt), lines) in zip(axes.flat, panels, strict=False):
        for j, s in enumerate(scenarios):
            x, y = lines[s.name]
            ax.plot(x, y, color=f"C{j}", label=mpl_literal(s.title.get(lang, s.name)), linewidth=1.6)
        ax.set_title(title[lang], fontsize=10)
        ax.grid(alpha=0.3)
        if fmt:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(scenarios), 2), fontsize=9)
    fig.suptitle(HEAD["title"][lang])
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


def compare_command(
    scenarios: list[str] = typer.Argument(
        None, help="scenario names or .yaml files (see 'kazind scenarios')"
    ),
    out: Path = typer.Option(
        None, "--out", help="directory to write compare.csv, .json, .html and .png"
    ),
    lang: str = typer.Option("en", "--lang", help="language of the table: kk, ru or en"),
) -> None:
    """Run scenarios and compare their outcomes in 1940 and over 1926-1940."""
    from kazind.common.atomic import OutputSet, check_output_dir
    from kazind.scenarios import list_scenarios, load_scenario
    from kazind.scenarios.outcomes import outcome_rows
    from kazind.scenarios.run import check_run_fits, run_scenarios

    lang = _lang(lang)
    if not scenarios:
        raise KazindError(f"compare: name scenarios; available: {', '.join(list_scenarios())}")
    if out is not None:
        check_output_dir(out)
    loaded = [load_scenario(s) for s in scenarios]
    names = [s.name for s in loaded]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise KazindError(f"compare: scenario named twice: {', '.join(twice)}")
    # Every integration step is saved, so mid-1940 is a saved time.
    from kazind.scenarios.loader import calibrated_spec

    step = calibrated_spec().time.dt
    for s in loaded:
        check_run_fits(s, save_step=step)
    ds = run_scenarios(loaded, save_step=step)
    rows = outcome_rows(ds, lang)
    _print_table(rows, loaded, lang)
    if out is not None:
        with OutputSet(out, "kazind compare " + " ".join(names)) as files:
            write_tables(rows, loaded, files.stage("compare.csv"), files.stage("compare.json"), lang)
            write_html(ds, loaded, files.stage("compare.html"), lang)
            write_png(ds, loaded, files.stage("compare.png"), lang)
        typer.echo("wrote " + ", ".join(str(files.target(n)) for n in files.names))


def register(app: typer.Typer) -> None:
    """Add ``scenarios`` and ``compare`` to the root command line."""
    app.command("scenarios", cls=_OneLineErrors)(scenarios_command)
    app.command("compare", cls=_OneLineErrors)(compare_command)
