"""The one exception type a user ever sees from kazind.

Every user mistake (bad file, unknown name, value out of range) is raised as a
:class:`KazindError`, so that the command line can print it as one line and exit
non-zero instead of showing a traceback.
"""

from __future__ import annotations

from pathlib import Path


class KazindError(Exception):
    """A problem the user can fix, located as precisely as we know.

    ``file`` and ``line`` say where in an input file; ``where`` names the record,
    variable or key concerned. ``str(err)`` is a single line such as
    ``scenarios/x.yaml:12: overrides.invest_rate: 3.0 is above the upper bound 1.0``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        where: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.where = where

    def __str__(self) -> str:
        prefix = ""
        if self.file:
            prefix = self.file + (f":{self.line}" if self.line else "") + ": "
        elif self.line:
            prefix = f"line {self.line}: "
        where = f"{self.where}: " if self.where else ""
        return f"{prefix}{where}{self.message}"
