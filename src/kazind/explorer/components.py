"""Pieces every tab uses: chart blocks with their data tables, downloads, tables, styles.

A chart is shown as a :func:`chart_block`: a heading (the chart's title in the page's
language, as HTML, so plotly's toolbar never covers it), the graph, and under it a
collapsible table of the chart's numbers (:func:`data_table`) for readers who cannot
see the chart or want the values. The graph's toolbar keeps only the PNG download and
the zoom and pan buttons, in the page's language (:func:`graph_config`).
"""

from __future__ import annotations

from dash import dash_table, dcc, html

from kazind.explorer.i18n import translator

__all__ = [
    "CSS",
    "FONT",
    "chart_block",
    "data_table",
    "download_button",
    "dropdown_labels",
    "graph_config",
    "table_filter_options",
    "TABLE_CSS",
    "datatable_style",
    "message_line",
    "muted",
]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
#: Inline styles kept few: layout is in assets/kazind.css (with the phone rules).
CSS = {
    "muted": {"color": "#444", "fontSize": "14px"},
    "msg": {"color": "#b00020", "fontWeight": "600"},
    "panel": {
        "border": "1px solid #d0d7de",
        "borderRadius": "6px",
        "padding": "10px 14px",
        "background": "#fbfbfd",
        "fontSize": "14px",
    },
    "button": {"padding": "6px 14px", "fontSize": "14px", "cursor": "pointer"},
}

PNG = {"format": "png", "scale": 2, "height": None, "width": None}
#: plotly's buttons that are taken away: the cloud and editing ones, selections, hover
#: modes and spikes (a student needs the PNG, zoom, pan and reset, nothing else).
REMOVED_BUTTONS = [
    "sendDataToCloud",
    "editInChartStudio",
    "lasso2d",
    "select2d",
    "toggleSpikelines",
    "hoverClosestCartesian",
    "hoverCompareCartesian",
    "toggleHover",
    "resetViews",
]


def graph_config(filename: str, lang: str) -> dict:
    """plotly's config for a chart of the page: no logo, no cloud, the page's locale."""
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showLink": False,
        "showTips": False,
        "locale": lang,
        "toImageButtonOptions": {**PNG, "filename": filename},
        "modeBarButtonsToRemove": REMOVED_BUTTONS,
    }


def muted(text, **style) -> html.P:
    return html.P(text, style={**CSS["muted"], **style})


def message_line(component_id: str) -> html.Div:
    """A tab's alert line (empty unless something could not be shown)."""
    return html.Div(id=component_id, role="alert", className="kz-message", style=CSS["msg"])


def chart_block(
    graph_id: str,
    title: str,
    lang: str,
    filename: str,
    table_id: str | None = None,
    height: int = 320,
    class_name: str = "",
) -> html.Figure:
    """A chart with its heading and, when ``table_id`` is given, the table of its numbers.

    The graph fills its box (``responsive``): as wide as the column, ``height`` pixels
    high (a stylesheet may change it for phones), whatever height the figure asks."""
    _ = translator(lang)
    parts = [
        html.H3(title, id=graph_id + "-title", className="kz-chart-title"),
        dcc.Graph(
            id=graph_id,
            config=graph_config(filename, lang),
            className="kz-graph",
            responsive=True,
            style={"height": f"{height}px"},
        ),
    ]
    if table_id:
        parts.append(
            html.Details(
                [
                    html.Summary(_("The numbers of this chart")),
                    html.Div(id=table_id, className="kz-data-table"),
                ],
                className="kz-details",
            )
        )
    return html.Figure(
        parts,
        className=("kz-chart " + class_name).strip(),
        **{"aria-labelledby": graph_id + "-title"},
    )


def data_table(caption: str, header: list[str], rows: list[list[str]]) -> html.Table:
    """A plain HTML table (screen readers read it; it scrolls sideways inside its box)."""
    return html.Table(
        [
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody(
                [html.Tr([html.Th(r[0], scope="row"), *[html.Td(c) for c in r[1:]]]) for r in rows]
            ),
        ],
        className="kz-table",
    )


def download_button(button_id: str, download_id: str, lang: str) -> html.Span:
    _ = translator(lang)
    return html.Span(
        [
            html.Button(_("Download CSV"), id=button_id, n_clicks=0, style=CSS["button"]),
            dcc.Download(id=download_id),
        ],
        className="kz-download",
    )


def dropdown_labels(lang: str) -> dict:
    """The texts Dash's dropdown shows of its own (search box, counts, empty list), translated."""
    _ = translator(lang)
    return {
        "select_all": _("Select all"),
        "deselect_all": _("Deselect all"),
        "selected_count": _("{num_selected} selected"),
        "search": _("Search"),
        "clear_search": _("Clear search"),
        "clear_selection": _("Clear selection"),
        "no_options_found": _("No options found"),
    }


def table_filter_options(lang: str) -> dict:
    """A DataTable's filter row in ``lang``: a translated placeholder, case-insensitive
    matching (its "Aa" case toggle, drawn with an icon font the page does not load, is
    hidden by :data:`TABLE_CSS`)."""
    _ = translator(lang)
    return {"placeholder_text": _("filter..."), "case": "insensitive"}


#: Rules for the DataTables: hide the case toggle; the selected cell outlined, not pink.
TABLE_CSS = [
    {"selector": ".dash-filter--case", "rule": "display: none;"},
    {"selector": "td.cell--selected, td.focused", "rule": "background-color: #e8f0fa !important;"},
    {
        "selector": "td.cell--selected *, td.focused *",
        "rule": "background-color: transparent !important;",
    },
]


def datatable_style(font_size: int = 13) -> dict:
    """Shared keyword arguments of the page's DataTables."""
    return {
        "css": TABLE_CSS,
        "style_table": {"overflowX": "auto", "maxWidth": "100%"},
        "style_cell": {
            "fontFamily": FONT,
            "fontSize": f"{font_size}px",
            "textAlign": "left",
            "whiteSpace": "normal",
            "height": "auto",
            "padding": "3px 5px",
            "verticalAlign": "top",
            "lineHeight": "1.3",
        },
        "style_header": {"fontWeight": "600", "background": "#eef2f6", "color": "#222"},
        "style_filter": {"background": "#fff"},
    }


def table(table_id: str, columns: list[dict], lang: str, **kwargs) -> dash_table.DataTable:
    """A filterable, sortable DataTable in ``lang``."""
    style = datatable_style(kwargs.pop("font_size", 13))
    for key in ("style_cell", "style_table"):
        if key in kwargs:
            style[key] = {**style[key], **kwargs.pop(key)}
    return dash_table.DataTable(
        id=table_id, columns=columns, filter_options=table_filter_options(lang), **style, **kwargs
    )


def csv_download(rows: list[dict], filename: str) -> dict:
    """``rows`` as a CSV for ``dcc.Download`` (header from the first row's keys)."""
    import csv
    import io

    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(
            buf, fieldnames=list(rows[0]), lineterminator="\n", extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
    return {"content": buf.getvalue(), "filename": filename, "type": "text/csv"}
