"""The page's state in its URL: ``?lang=kk&tab=map`` (and whatever keys pages add).

A teacher sends a link; the page opens on exactly that view. The state is a flat dict
of short text values, kept in the query string and in one ``dcc.Store``
(:data:`kazind.explorer.ids.STATE`). Each key is declared once with :func:`declare`
(its default and the check of a value); :func:`parse` reads a query string into a full
state, silently replacing a missing or bad value by the key's default (a link that was
edited by hand still opens), and :func:`to_search` writes the state back, leaving out
values equal to their defaults so that links stay short.

The browser does the same in :data:`SYNC_JS` (a clientside callback, so a change of tab
or language costs no request): it is generated from the declared keys, so a key added
here is understood on both sides.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qsl, urlencode, urlsplit

from kazind.explorer.i18n import DEFAULT_LANG, LANGS

__all__ = ["Key", "declare", "keys", "parse", "to_search", "sync_js", "MAX_SEARCH"]

#: Longest query string read; anything longer is ignored (a link is short).
MAX_SEARCH = 2000
_TOKEN = re.compile(r"^[A-Za-z0-9_.,:-]{1,200}$")


@dataclass(frozen=True)
class Key:
    """One key of the state: its default and the values it admits.

    ``initial`` is the default, or a function that gives it on first use: a default that
    depends on what runs (the debate's scenarios that load and run) is not computed when
    the page's module is imported."""

    name: str
    initial: str | Callable[[], str]
    choices: tuple[str, ...] | None = None  # None: any token (letters, digits, _.,:-)
    check: Callable[[str], bool] | None = None  # an extra test of a value

    @cached_property
    def default(self) -> str:
        value = self.initial() if callable(self.initial) else self.initial
        if not self.admits(value) and value != "":
            raise ValueError(f"state key {self.name!r}: its default {value!r} is not admitted")
        return value

    def admits(self, value: object) -> bool:
        if not isinstance(value, str) or not _TOKEN.match(value):
            return False
        if self.choices is not None and value not in self.choices:
            return False
        return self.check is None or bool(self.check(value))


_KEYS: dict[str, Key] = {}


def declare(
    name: str,
    default: str | Callable[[], str],
    choices: tuple[str, ...] | None = None,
    check: Callable[[str], bool] | None = None,
) -> Key:
    """Declare (or re-declare) a key of the URL state and return it. ``default`` may be
    a function, called once when the default is first needed; a default is checked at
    once, or on first use when the key has a ``check`` function (it may read what runs)."""
    if not re.match(r"^[a-z][a-z0-9_]*$", name):
        raise ValueError(f"state key {name!r}: lower-case letters, digits and _ only")
    key = Key(name, default, tuple(choices) if choices is not None else None, check)
    if not callable(default) and check is None:
        key.default  # noqa: B018 - a fixed default is checked at once; one with a check
        # function (which may read what runs) when first used
    _KEYS[name] = key
    return key


def keys() -> dict[str, Key]:
    """Every declared key, in declaration order."""
    return dict(_KEYS)


def parse(search: object) -> dict[str, str]:
    """The full state for a query string (``"?lang=ru&tab=map"`` or without ``?``)."""
    state = {k.name: k.default for k in _KEYS.values()}
    if not isinstance(search, str) or len(search) > MAX_SEARCH:
        return state
    for name, value in parse_qsl(search.lstrip("?"), keep_blank_values=False):
        key = _KEYS.get(name)
        if key is not None and key.admits(value):
            state[name] = value
    return state


def to_search(state: dict) -> str:
    """The query string of ``state`` ('' when every value is its default)."""
    pairs = []
    for key in _KEYS.values():
        value = state.get(key.name, key.default) if isinstance(state, dict) else key.default
        if value != key.default and key.admits(value):
            pairs.append((key.name, value))
    return ("?" + urlencode(pairs)) if pairs else ""


def sync_js(tab_keys: list[str]) -> str:
    """The clientside callback that keeps URL, language box, tabs and state together.

    Inputs: the URL's search, the language box, each tab button's clicks (in
    ``tab_keys`` order); state: the current state. Outputs: the state, the URL's search,
    the language box and the page language (a separate store, changed only when the
    language changes, so that a change of tab re-renders nothing on the server)."""
    spec = {
        k.name: {"default": k.default, "choices": list(k.choices) if k.choices else None}
        for k in _KEYS.values()
    }
    return (
        """
function(search, lang, ...rest) {
    const SPEC = __SPEC__, TABS = __TABS__;
    const clicks = rest.slice(0, TABS.length), current = rest[TABS.length] || {}, pageLang = rest[TABS.length + 1];
    const ok = (name, v) => typeof v === 'string' && /^[A-Za-z0-9_.,:-]{1,200}$/.test(v)
        && (!SPEC[name] || !SPEC[name].choices || SPEC[name].choices.includes(v));
    const parse = (s) => {
        const st = {};
        for (const [k, spec] of Object.entries(SPEC)) st[k] = spec.default;
        if (typeof s === 'string' && s.length <= __MAX__) {
            for (const [k, v] of new URLSearchParams(s)) if (k in SPEC && ok(k, v)) st[k] = v;
        }
        return st;
    };
    const format = (st) => {
        const p = new URLSearchParams();
        for (const [k, spec] of Object.entries(SPEC)) if (st[k] !== spec.default && ok(k, st[k])) p.set(k, st[k]);
        const s = p.toString();
        return s ? '?' + s : '';
    };
    const trig = (window.dash_clientside.callback_context.triggered || []).map(t => t.prop_id);
    let st = Object.assign(parse(''), current);
    if (trig.length === 0 || trig.some(t => t === '.' || t.endsWith('.search'))) {
        st = parse(search);
    }
    if (trig.some(t => t.endsWith('.value')) && ok('lang', lang)) {
        st.lang = lang;
    }
    // clicks that reach Dash together (keys pressed fast on a busy page): the tab clicked
    // last wins (assets/kazind.js notes it at the click), not the last in the tab order
    const clicked = TABS.filter((key, i) => trig.includes('tab-' + key + '.n_clicks') && clicks[i]);
    if (clicked.length) {
        st.tab = clicked.includes(window.kazindLastTab) ? window.kazindLastTab : clicked[clicked.length - 1];
    }
    const nu = window.dash_clientside.no_update;
    const same = JSON.stringify(st) === JSON.stringify(current);
    const newSearch = format(st);
    return [
        same ? nu : st,
        newSearch === (search || '') ? nu : newSearch,
        st.lang === lang ? nu : st.lang,
        st.lang === pageLang ? nu : st.lang,
    ];
}
""".replace("__SPEC__", json.dumps(spec))
        .replace("__TABS__", json.dumps(list(tab_keys)))
        .replace("__MAX__", str(MAX_SEARCH))
    )


# the two keys of the frame; pages declare theirs (chapter, year, scenarios, levers...)
LANG = declare("lang", DEFAULT_LANG, LANGS)


# ---------------------------------------------------------------- the view being built

#: The state a panel is being built for inside a callback (the browser's current state,
#: which a tab's layout reads through :func:`url_state`, as it reads the URL on a page load).
_BUILDING: ContextVar[dict | None] = ContextVar("kazind_building_state", default=None)


def url_state() -> dict[str, str]:
    """The state of the view being rendered: the state a panel is built for (in
    :func:`building`), else the query of the page that asks for its layout (Dash's layout
    request carries the page's address as its Referer), else the defaults."""
    building = _BUILDING.get()
    if building is not None:
        return parse(to_search(building))
    try:
        from flask import request  # the layer's web framework, only while serving

        ref = request.referrer or ""
        query = urlsplit(ref).query if ref else request.query_string.decode("ascii", "replace")
    except (RuntimeError, UnicodeDecodeError):  # no request: building the app
        query = ""
    return parse(query)


@contextmanager
def building(state: dict) -> Iterator[None]:
    """Within the block, :func:`url_state` is ``state`` (a panel built for that view)."""
    token = _BUILDING.set(state)
    try:
        yield
    finally:
        _BUILDING.reset(token)
