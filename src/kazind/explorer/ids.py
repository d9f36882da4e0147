"""Stable element ids of the explorer page, for callbacks and browser tests.

Every id the page uses is defined here and only here; the layout and the callbacks
import them, so a test can rely on them. Lever sliders are ``lever-<constant name>``
(see :data:`LEVER_IDS`), their values ``readout-<constant name>``.
"""

from __future__ import annotations

from kazind.model.build import POLICY_LEVERS

# -- the frame: language, tabs, the body re-rendered on a language change
LANG = "lang-select"
BODY = "page-body"
TITLE = "page-title"
TABS = "tabs"
TAB_TIMELINE = "tab-timeline"
TAB_MAP = "tab-map"
TAB_SCENARIOS = "tab-scenarios"
TAB_RECORD = "tab-record"
TAB_MODEL = "tab-model"

# -- timeline: the historical paths with the record's facts on them
TIMELINE_GRAPH = "timeline-graph"
TIMELINE_VAR = "timeline-variable"  # dropdown: one more model variable with its facts
TIMELINE_EXTRA_GRAPH = "timeline-extra-graph"
TIMELINE_MESSAGE = "timeline-message"
FACT_PANEL = "fact-panel"  # the fact under the last clicked point
DOWNLOAD_TIMELINE = "download-timeline-button"
DOWNLOAD_TIMELINE_DATA = "download-timeline"

# -- map
MAP_GRAPH = "map-graph"
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
SCENARIO_GRAPH = "scenario-graph"
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


def all_ids() -> list[str]:
    """Every documented id (the lever sliders included)."""
    fixed = [v for k, v in globals().items() if k.isupper() and isinstance(v, str) and not k.endswith("_PREFIX")]
    return fixed + list(LEVER_IDS.values()) + list(READOUT_IDS.values())
