"""The sectors of the Kazakhstan model: which part of the model each variable belongs to.

The model file is divided by comment headers such as
``# ====================== industry: restoration``; every variable listed after a header,
up to the next one, belongs to that sector. The mapping is read from the file itself
(the header lines and the line of each variable), not kept as a list here, so that a
variable added under a header is placed without touching this module. It is used by
``kazind model-doc`` to draw one stock-and-flow diagram per sector.
"""

from __future__ import annotations

import re
from pathlib import Path

from kazind.common.yamlio import load_yaml
from kazind.model.build import MODEL_FILE

#: A sector header: a comment of at least three '=' followed by the sector's name.
HEADER = re.compile(r"^#\s*={3,}\s*(?P<name>\S.*?)\s*$")


def sector_headers(model_file: str | Path = MODEL_FILE) -> list[tuple[int, str]]:
    """The sector headers of ``model_file`` as (1-based line, sector name), in file order."""
    text = Path(model_file).read_text(encoding="utf-8")
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADER.match(line)
        if match:
            out.append((number, match.group("name")))
    return out


def variable_sectors(model_file: str | Path = MODEL_FILE) -> dict[str, str]:
    """Variable name -> sector name, in the order of the variables in ``model_file``.

    Raises :class:`~kazind.common.errors.KazindError` (with file and line) for a variable listed before the
    first header, since it would have no sector.
    """
    doc = load_yaml(model_file)
    headers = sector_headers(model_file)
    variables = doc.data.get("variables", []) if isinstance(doc.data, dict) else []
    out: dict[str, str] = {}
    for index, var in enumerate(variables):
        line = doc.line_of(("variables", index)) or 0
        sector = None
        for header_line, name in headers:
            if header_line > line:
                break
            sector = name
        name = var.get("name") if isinstance(var, dict) else None
        if sector is None:
            raise doc.error(
                f"variable {name!r} comes before the first sector header ('# ===== <sector>')",
                ("variables", index),
            )
        if isinstance(name, str):
            out[name] = sector
    return out


def sector_names(model_file: str | Path = MODEL_FILE) -> list[str]:
    """The sector names, in file order (a header without variables is left out)."""
    used = set(variable_sectors(model_file).values())
    return [name for _, name in sector_headers(model_file) if name in used]
