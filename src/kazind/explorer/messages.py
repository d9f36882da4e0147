"""Every message id of the explorer, for the translation check and for updating the ``.po`` files.

Literal calls of ``_`` are found in the package's source with Babel's extractor;
labels kept in tables (chart panels, levers, branch and group names, topics, railway
periods) are listed from those tables, so a label added there is checked too.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

PACKAGE_DIR = Path(__file__).resolve().parent
_CALL = re.compile(r"""\b(?:_|InputError)\((["'])([^"'\\]+)\1[,)]""")


def source_messages() -> set[str]:
    """Message ids of the literal ``_()`` calls in the explorer's and report's source."""
    out = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(PACKAGE_DIR), method_map=[("**.py", "python")], keywords={"_": None, "InputError": None}
    ):
        if isinstance(message, str) and message:
            out.add(message)
    # calls inside f-strings, which the extractor does not see
    for path in PACKAGE_DIR.rglob("*.py"):
        out |= {m.group(2) for m in _CALL.finditer(path.read_text(encoding="utf-8"))}
    return out


def table_messages() -> set[str]:
    """Message ids kept in tables rather than in ``_()`` calls."""
    from kazind.explorer import charts, frame
    from kazind.explorer.i18n import PLOTLY_MESSAGES, SCRIPT_MESSAGES
    from kazind.explorer.pages import PAGES, model, record, scenarios, timeline
    from kazind.explorer.pages import map as map_page

    out = {p.label for p in PAGES}
    out.add(frame.TITLE)
    out |= {title for _k, title, *_rest in timeline.PANELS}
    out |= {label for _k, _t, series, *_r in timeline.PANELS for v, e, label in series if e is None}
    out |= {unit for _s, _k, unit in timeline.EXTRA_VARIABLES.values() if unit}
    out |= {title for _k, _v, title, *_r in scenarios.PANELS}
    out |= set(scenarios.LEVER_UNITS.values())
    out |= {label for _lo, _hi, label, *_c in map_page.RAIL_PERIODS}
    out |= {
        f["properties"]["name"]
        for f in map_page.data.waters()["features"]
        if "name" in f["properties"]
    }
    out |= set(charts.OTHER_BRANCH_NAMES.values())
    out |= {name for _s, _c, name in charts.VERDICT_STYLE.values()}
    out |= {label for _key, label in model.COLUMNS}
    out |= set(model.KIND_LABELS.values())
    out |= {v for v in record.VERDICTS.values() if v != "–"}
    out |= set(PLOTLY_MESSAGES) | set(SCRIPT_MESSAGES)
    out |= set(map_page.data.MODEL_UNITS)
    from kazind.explorer.pages import events

    out |= {name for *_r, name in events.KINDS.values()}
    return out


def all_messages() -> list[str]:
    return sorted(source_messages() | table_messages())
