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
_CALL = re.compile(r"""\b_\((["'])([^"'\\]+)\1\)""")


def source_messages() -> set[str]:
    """Message ids of the literal ``_()`` calls in the explorer's and report's source."""
    out = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(PACKAGE_DIR), method_map=[("**.py", "python")], keywords={"_": None}
    ):
        if isinstance(message, str) and message:
            out.add(message)
    # calls inside f-strings, which the extractor does not see
    for path in PACKAGE_DIR.rglob("*.py"):
        out |= {m.group(2) for m in _CALL.finditer(path.read_text(encoding="utf-8"))}
    return out


def table_messages() -> set[str]:
    """Message ids kept in tables rather than in ``_()`` calls."""
    from kazind.explorer import figures, layout
    from kazind.record.facts import TOPICS

    out = set(layout.LEVER_LABELS.values())
    out |= {title for title, *_rest in figures.PANELS}
    out |= {label for _t, series, *_r in figures.PANELS for v, e, label in series if e is None}
    out |= {title for _v, title, *_r in figures.SCENARIO_PANELS}
    out |= {label for label, _s, _k in figures.EXTRA_VARIABLES.values()}
    out |= {label for _lo, _hi, label, _c in figures.RAIL_PERIODS}
    out |= {figures.branch_label(b, "en") for b in (*figures.BRANCHES, "printing")}
    out |= {figures.element_label(e, "en") for e in (*figures.WORKER_GROUPS, *figures.POP_GROUPS,
                                                      "socialist", "cooperative", "private")}  # fmt: skip
    out |= set(TOPICS)
    out |= {"high", "medium-high", "medium", "low"}
    out |= {label for _key, label in layout.MODEL_COLUMNS}
    out |= set(layout.KIND_LABELS.values())
    out |= set(layout.model_doc().sectors)  # the model's sectors, named in the model tab
    return out


def all_messages() -> list[str]:
    return sorted(source_messages() | table_messages())
