"""The model tab: each sector's stock-and-flow diagram and its variables.

The sector chosen decides both the diagram and the table. Names and descriptions come
from the model's catalogue of labels in the reader's language
(:mod:`kazind.model.labels`); the equations are code (written as the engine reads
them) and the sources are the model file's own notes, marked as English text.
"""

from __future__ import annotations

import base64
import html as html_text
from functools import lru_cache

from dash import Input, Output, dcc, html, no_update

from kazind.explorer import data
from kazind.explorer import ids as I
from kazind.explorer.components import download_button, dropdown_labels, message_line, muted, table
from kazind.explorer.guard import problem
from kazind.explorer.i18n import InputError, check_lang, translator
from kazind.explorer.page import Page
from kazind.model.labels import description, label, sector_label

#: The kinds of model variable as the model table names them (message ids).
KIND_LABELS = {
    "stock": "stock",
    "flow": "flow",
    "aux": "auxiliary",
    "constant": "constant",
    "series": "time series",
}
COLUMNS = (
    ("label", "name"),
    ("kind", "kind"),
    ("unit", "unit"),
    ("description", "description"),
    ("definition", "equation or value"),
    ("source", "source (English)"),
)


@lru_cache(maxsize=1)
def model_doc():
    from kazind.engine.document import describe
    from kazind.model.sectors import variable_sectors

    return describe(data.historical_model().spec, variable_sectors())


def first_sector() -> str | None:
    """The first sector with a stock (a diagram of constants alone says little)."""
    doc = model_doc()
    sectors = list(doc.sectors)
    found = next(
        (s for s in sectors if any(doc.variables[v].kind == "stock" for v in doc.sectors[s])), None
    )
    return found or (sectors[0] if sectors else None)


def model_rows(lang: str | None = None, sector: str | None = None) -> list[dict]:
    """The model table's rows (of one sector if given); without ``lang`` the model file's
    own English names (the CSV download)."""
    doc = model_doc()
    out = []
    for v in doc.variables.values():
        if sector is not None and v.sector != sector:
            continue
        definition = "; ".join(f"{lbl}: {text}" if lbl else text for lbl, text in v.definition)
        if lang is None:
            out.append(
                {
                    "name": v.name,
                    "kind": v.kind,
                    "sector": v.sector,
                    "dims": ", ".join(v.dims),
                    "unit": v.unit,
                    "definition": definition,
                    "description": v.description,
                    "source": v.source,
                }
            )
            continue
        _ = translator(lang)
        out.append(
            {
                "id": v.name,
                "label": label(v.name, lang),
                "kind": _(KIND_LABELS.get(v.kind, v.kind)),
                "unit": data.unit_text(v.unit, lang),
                "description": description(v.name, lang) or v.description,
                "definition": f"<code>{html_text.escape(definition)}</code>" if definition else "",
                "source": f'<span lang="en">{html_text.escape(v.source)}</span>'
                if v.source
                else "",
            }
        )
    return out


@lru_cache(maxsize=64)
def diagram_src(sector: str) -> str:
    from kazind.engine.document import sector_diagram

    svg = sector_diagram(model_doc(), sector, link=False).svg
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def layout(lang: str) -> list:
    _ = translator(lang)
    doc = model_doc()
    first = first_sector()
    return [
        muted(
            _(
                "Every variable of the model with its unit, description, equation and source, sector by "
                "sector, and the stock-and-flow diagram of the sector chosen."
            )
        ),
        message_line(I.MODEL_MESSAGE),
        html.Label(_("Sector"), htmlFor=I.SECTOR_PICK, className="kz-label"),
        dcc.Dropdown(
            id=I.SECTOR_PICK,
            options=[{"label": sector_label(s, lang), "value": s} for s in doc.sectors],
            value=first,
            clearable=False,
            persistence=True,
            persistence_type="session",
            labels=dropdown_labels(lang),
            className="kz-dropdown",
        ),
        html.Div(
            html.Img(
                id=I.DIAGRAM,
                alt=_("stock-and-flow diagram of the sector chosen"),
                className="kz-diagram",
            ),
            className="kz-diagram-box",
        ),
        table(
            I.MODEL_TABLE,
            [
                {
                    "name": _(name),
                    "id": key,
                    **({"presentation": "markdown"} if key in ("definition", "source") else {}),
                }
                for key, name in COLUMNS
            ],
            lang,
            data=model_rows(lang, first),
            filter_action="native",
            sort_action="native",
            page_size=20,
            markdown_options={"html": True},
            font_size=12,
            style_cell={"maxWidth": "360px"},
            style_cell_conditional=[
                {"if": {"column_id": "label"}, "minWidth": "150px", "fontWeight": "600"},
                {"if": {"column_id": "description"}, "minWidth": "220px"},
                {"if": {"column_id": "definition"}, "minWidth": "200px", "fontSize": "11px"},
                {"if": {"column_id": "source"}, "fontSize": "11px", "color": "#444"},
            ],
        ),
        download_button(I.DOWNLOAD_MODEL, I.DOWNLOAD_MODEL_DATA, lang),
    ]


def sector_view(sector, lang):
    """(diagram data: URI, the sector's rows, message)."""
    try:
        lang = check_lang(lang)
        if not isinstance(sector, str) or sector not in model_doc().sectors:
            raise InputError("unknown sector {sector}", sector=sector)
        return diagram_src(sector), model_rows(lang, sector), ""
    except Exception as err:  # noqa: BLE001
        return "", [], problem(lang, err)


def download(n_clicks):
    from kazind.explorer.components import csv_download

    if not n_clicks:
        return no_update
    return csv_download(model_rows(), "kazind-model.csv")


def register(app) -> None:
    app.callback(
        Output(I.DIAGRAM, "src"),
        Output(I.MODEL_TABLE, "data"),
        Output(I.MODEL_MESSAGE, "children"),
        Input(I.SECTOR_PICK, "value"),
        Input(I.panel_lang("model"), "data"),
    )(sector_view)
    app.callback(
        Output(I.DOWNLOAD_MODEL_DATA, "data"),
        Input(I.DOWNLOAD_MODEL, "n_clicks"),
        prevent_initial_call=True,
    )(download)


PAGE = Page(key="model", label="The model", layout=layout, register=register)
