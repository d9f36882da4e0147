"""The map's year in the URL (``?tab=map&year=1931``), so that a shared link opens the map
at that year: the year slider writes the ``year`` key of the state, and a state that
arrives from a link sets the slider. Both run in the browser (no request)."""

from __future__ import annotations

import json

from dash import Input, Output, State

from kazind.explorer import ids as I
from kazind.explorer import state

YEAR = state.declare("year", "1926", tuple(str(y) for y in range(1913, 1941)))

TO_STATE_JS = """
function(value, st) {
    const DEFAULTS = __DEFAULTS__, nu = window.dash_clientside.no_update;
    if (typeof value !== 'number' || !st || String(value) === st.year) { return [nu, nu]; }
    const next = Object.assign({}, st, {year: String(value)});
    const p = new URLSearchParams();
    for (const [k, d] of Object.entries(DEFAULTS)) { if (next[k] !== undefined && next[k] !== d) { p.set(k, next[k]); } }
    const s = p.toString();
    return [next, s ? '?' + s : ''];
}
"""

FROM_STATE_JS = """
function(st, value) {
    const y = st && st.year ? parseInt(st.year, 10) : NaN;
    return (Number.isFinite(y) && y !== value) ? y : window.dash_clientside.no_update;
}
"""


def register(app) -> None:
    defaults = {k.name: k.default for k in state.keys().values()}
    app.clientside_callback(
        TO_STATE_JS.replace("__DEFAULTS__", json.dumps(defaults)),
        Output(I.STATE, "data", allow_duplicate=True),
        Output(I.URL, "search", allow_duplicate=True),
        Input(I.YEAR_SLIDER, "value"),
        State(I.STATE, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        FROM_STATE_JS,
        Output(I.YEAR_SLIDER, "value", allow_duplicate=True),
        Input(I.STATE, "data"),
        State(I.YEAR_SLIDER, "value"),
        prevent_initial_call="initial_duplicate",
    )
