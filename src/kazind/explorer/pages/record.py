"""The record tab: every fact of the record in one table, sorted by year, and its panel.

The table is kept compact so that a screen shows many rows: the year, the topic, the
statement in the reader's language, the value, a short source label and the model's
verdict; the Kazakh source sentence, translations and full citation are in the panel
under a clicked row. Fact ids stay in the data (each row's id) and in the CSV.
"""

from __future__ import annotations

from dash import Input, Output, State, dcc, html, no_update

from kazind.explorer import data, factview
from kazind.explorer import ids as I
from kazind.explorer.charts import MISS, OK
from kazind.explorer.components import CSS, download_button, message_line, muted, table
from kazind.explorer.guard import guarded, problem
from kazind.explorer.i18n import InputError, check_lang, translator
from kazind.explorer.page import Page

#: The verdict column's words (message ids) by data.reproduced().
VERDICTS = {"yes": "yes", "no": "no", "input": "input", "check": "check", "none": "–"}


def columns(lang: str) -> list[dict]:
    _ = translator(lang)
    return [
        {"name": _("year"), "id": "year", "type": "numeric"},
        {"name": _("topic"), "id": "topic"},
        {"name": _("statement"), "id": "statement"},
        {"name": _("value"), "id": "value"},
        {"name": _("places"), "id": "places"},
        {"name": _("source"), "id": "source", "presentation": "markdown"},
        {"name": _("reproduced by the model"), "id": "reproduced"},
    ]


def fact_row(fact, lang: str) -> dict:
    """One row of the table (``id`` is the row's id, not a column)."""
    _ = translator(lang)
    gaz = data.gazetteer()
    year = fact.first_year
    return {
        "id": fact.id,
        "year": year,
        "topic": data.topic_text(fact.topic, lang),
        "statement": getattr(fact.statement, lang),
        "value": factview.fact_value(fact, lang) if fact.value is not None else "",
        "places": ", ".join(_place(p, lang, year, gaz) for p in fact.places),
        "source": _source_cell(fact, lang),
        "reproduced": _(VERDICTS[data.reproduced(fact.id)])
        if data.reproduced(fact.id) != "none"
        else "–",
    }


def _source_cell(fact, lang: str) -> str:
    """The source's short label, marked with the language it is written in (an English
    citation stays English, and says so to the browser and to screen readers)."""
    import html as html_text

    before, citation, after = (html_text.escape(x) for x in data.source_parts(fact, lang))
    if not citation:
        return after
    return f'{before}<span lang="{data.citation_lang(fact)}">{citation}</span>{after}'


def _place(place_id: str, lang: str, year: int | None, gaz) -> str:
    """A place or railway line of a fact, named in ``lang`` (as it was called in ``year``)."""
    if place_id in gaz:
        return data.place_name(gaz[place_id], lang, year)
    line = data.railways().by_id.get(place_id)
    return line.names.get(lang, place_id) if line is not None else place_id


def rows(lang: str) -> list[dict]:
    """Every fact, sorted by year (undated last), then in the record's order."""
    out = [fact_row(f, lang) for f in data.facts()]
    return sorted(out, key=lambda r: (r["year"] is None, r["year"] or 0))


def layout(lang: str) -> list:
    _ = translator(lang)
    yes, no = _("yes"), _("no")
    return [
        muted(
            _(
                "Every fact of the record. Type in the boxes under the headers to filter a column "
                "(e.g. 1926, or >1930 for years); the search box looks in every column."
            )
        ),
        message_line(I.RECORD_MESSAGE),
        html.Label(_("Search the record"), htmlFor=I.FACT_SEARCH, className="kz-label"),
        dcc.Input(
            id=I.FACT_SEARCH,
            type="search",
            placeholder=_("Search the record"),
            debounce=True,
            className="kz-search",
        ),
        table(
            I.FACT_TABLE,
            columns(lang),
            lang,
            data=[],
            filter_action="native",
            sort_action="native",
            page_action="native",
            page_size=25,
            font_size=13,
            markdown_options={"html": True},
            style_cell={"maxWidth": "380px"},
            style_cell_conditional=[
                {"if": {"column_id": "year"}, "width": "52px", "minWidth": "52px"},
                {"if": {"column_id": "topic"}, "minWidth": "90px", "maxWidth": "120px"},
                {"if": {"column_id": "statement"}, "minWidth": "240px"},
                {"if": {"column_id": "value"}, "minWidth": "80px", "maxWidth": "130px"},
                {"if": {"column_id": "places"}, "maxWidth": "190px"},
                {"if": {"column_id": "source"}, "maxWidth": "150px", "fontSize": "12px"},
                {"if": {"column_id": "reproduced"}, "maxWidth": "90px"},
            ],
            style_data_conditional=[
                {
                    "if": {
                        "filter_query": '{reproduced} = "' + yes + '"',
                        "column_id": "reproduced",
                    },
                    "color": OK,
                    "fontWeight": "600",
                },
                {
                    "if": {
                        "filter_query": '{reproduced} = "' + no + '"',
                        "column_id": "reproduced",
                    },
                    "color": MISS,
                    "fontWeight": "600",
                },
            ],
        ),
        html.Div(
            id=I.RECORD_FACT_PANEL,
            className="kz-record-panel",
            style={**CSS["panel"], "marginTop": "10px"},
            **{"aria-live": "polite"},
        ),
        download_button(I.DOWNLOAD_RECORD, I.DOWNLOAD_RECORD_DATA, lang),
    ]


def search_rows(search, lang):
    """(rows, message): the facts as table rows, those matching ``search`` if given."""
    try:
        lang = check_lang(lang)
        if search is not None and not isinstance(search, str):
            raise InputError("search: expected text")
        if search is not None and len(search) > 200:
            raise InputError("search: at most 200 characters")
        found = rows(lang)
        words = (search or "").casefold().split()
        if words:
            found = [
                r
                for r in found
                if all(w in " ".join(str(v) for v in r.values()).casefold() for w in words)
            ]
        return found, ""
    except Exception as err:  # noqa: BLE001
        return [], problem(lang, err)


@guarded(lambda msg: [html.Div(msg, role="alert", style=CSS["msg"])])
def detail(active_cell, lang):
    lang = check_lang(lang)
    _ = translator(lang)
    if not isinstance(active_cell, dict) or not isinstance(active_cell.get("row_id"), str):
        return [muted(_("Click a row to read the fact and its source."))]
    return factview.fact_panel(active_cell["row_id"], lang)


def download(n_clicks, shown):
    from kazind.explorer.components import csv_download

    if not n_clicks or not isinstance(shown, list):
        return no_update
    return csv_download([r for r in shown if isinstance(r, dict)], "kazind-record.csv")


def register(app) -> None:
    lang = Input(I.panel_lang("record"), "data")
    app.callback(
        Output(I.FACT_TABLE, "data"),
        Output(I.RECORD_MESSAGE, "children"),
        Input(I.FACT_SEARCH, "value"),
        lang,
    )(search_rows)
    app.callback(Output(I.RECORD_FACT_PANEL, "children"), Input(I.FACT_TABLE, "active_cell"), lang)(
        detail
    )
    app.callback(
        Output(I.DOWNLOAD_RECORD_DATA, "data"),
        Input(I.DOWNLOAD_RECORD, "n_clicks"),
        State(I.FACT_TABLE, "derived_virtual_data"),
        prevent_initial_call=True,
    )(download)


PAGE = Page(key="record", label="The record", layout=layout, register=register)
