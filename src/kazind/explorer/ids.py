"""Stable element ids of the explorer page, for callbacks and browser tests.

Every fixed id the page uses is defined here; the frame, the tabs and the tests import
them. A tab's button is ``tab-<key>`` and its panel ``panel-<key>`` (:func:`tab`,
:func:`panel`, keys from :mod:`kazind.explorer.pages`). Lever sliders are
``lever-<constant name>`` (:data:`LEVER_IDS`), their values ``readout-<constant name>``.
The charts of the timeline and scenarios tabs are ``timeline-<panel>`` and
``scenario-<panel>`` inside the containers :data:`TIMELINE_GRAPH` and
:data:`SCENARIO_GRAPH`.
"""

from __future__ import annotations

from kazind.model.build import POLICY_LEVERS

# -- the frame: URL state, language, tabs, each panel built on its first visit
URL = "url"
STATE = "page-state"  # dcc.Store: the URL state (kazind.explorer.state)
PAGE_LANG = "page-lang"  # dcc.Store: the page's language; every callback reads it
LANG = "lang-select"
BODY = "page-body"
TITLE = "page-title"
INTRO = "page-intro"
TABS = "tabs"  # the tab list (role=tablist)
TAB_PREFIX = "tab-"
PANEL_PREFIX = "panel-"
TAB_TIMELINE = "tab-timeline"
TAB_MAP = "tab-map"
TAB_SCENARIOS = "tab-scenarios"
TAB_RECORD = "tab-record"
TAB_MODEL = "tab-model"
DOC_SYNC = "doc-sync"  # hidden: <html lang> and the document title follow the language
RENDERED = "page-rendered"  # dcc.Store: {"lang", "tabs"}: the panels built, and their language
NEED = "page-need"  # dcc.Store: {"tab", "lang"}: a panel to build (set in the browser)
PANEL_LANG_SUFFIX = "-lang"  # each built panel's own dcc.Store of its language

# -- timeline: the historical paths with the record's facts on them
TIMELINE_GRAPH = "timeline-graph"  # the grid of the timeline's charts
TIMELINE_PANEL_PREFIX = "timeline-"
TIMELINE_VAR = "timeline-variable"  # dropdown: one more model variable with its facts
TIMELINE_EXTRA_GRAPH = "timeline-extra-graph"
TIMELINE_EXTRA_TABLE = "timeline-extra-table"
TIMELINE_MESSAGE = "timeline-message"
FACT_PANEL = "fact-panel"  # the fact under the last clicked point
DOWNLOAD_TIMELINE = "download-timeline-button"
DOWNLOAD_TIMELINE_DATA = "download-timeline"

# -- map
MAP_GRAPH = "map-graph"
MAP_CAPTION = "map-caption"  # what opened in the year shown
MAP_TABLE = "map-table"  # the map's numbers
YEAR_SLIDER = "year-slider"
PLAY = "play-button"
MAP_INTERVAL = "map-interval"
MAP_MESSAGE = "map-message"
DOWNLOAD_MAP = "download-map-button"
DOWNLOAD_MAP_DATA = "download-map"

# -- scenarios
SCENARIO_PICK = "scenario-pick"
LEVER_PREFIX = "lever-"
LEVER_RESET = "lever-reset"
ENSEMBLE_TOGGLE = "ensemble-toggle"
ENSEMBLE_SIZE = "ensemble-size"
SCENARIO_GRAPH = "scenario-graph"  # the grid of the scenario charts
SCENARIO_PANEL_PREFIX = "scenario-"
SCENARIO_KEY = "scenario-key"  # the key of the runs' lines
OUTCOME_TABLE = "outcome-table"
SCENARIO_MESSAGE = "scenario-message"
DOWNLOAD_SCENARIOS = "download-scenarios-button"
DOWNLOAD_SCENARIOS_DATA = "download-scenarios"

# -- the record
FACT_SEARCH = "fact-search"
FACT_TABLE = "fact-table"
RECORD_FACT_PANEL = "record-fact-panel"
RECORD_MESSAGE = "record-message"
DOWNLOAD_RECORD = "download-record-button"
DOWNLOAD_RECORD_DATA = "download-record"

# -- the model
MODEL_TABLE = "model-table"
SECTOR_PICK = "sector-pick"
DIAGRAM = "sector-diagram"
MODEL_MESSAGE = "model-message"
DOWNLOAD_MODEL = "download-model-button"
DOWNLOAD_MODEL_DATA = "download-model"

#: The levers of the scenarios tab, in order: the model's policy levers.
LEVERS = POLICY_LEVERS
LEVER_IDS = {name: LEVER_PREFIX + name for name in LEVERS}
#: The value of each lever, written beside its label in the page's language.
READOUT_PREFIX = "readout-"
READOUT_IDS = {name: READOUT_PREFIX + name for name in LEVERS}


def tab(key: str) -> str:
    """The id of a tab's button."""
    return TAB_PREFIX + key


def panel(key: str) -> str:
    """The id of a tab's panel."""
    return PANEL_PREFIX + key


def panel_lang(key: str) -> str:
    """The id of the store holding the language a tab's panel was built in: the tab's
    callbacks read their language from it (a panel is rebuilt, not updated, in another)."""
    return PANEL_PREFIX + key + PANEL_LANG_SUFFIX


def all_ids() -> list[str]:
    """Every documented fixed id (the lever sliders included)."""
    fixed = [
        v
        for k, v in globals().items()
        if k.isupper() and isinstance(v, str) and not k.endswith(("_PREFIX", "_SUFFIX"))
    ]
    return fixed + list(LEVER_IDS.values()) + list(READOUT_IDS.values())
