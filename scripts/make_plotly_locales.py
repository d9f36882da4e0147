"""Make the shipped plotly.js texts in Russian, ``explorer/data/plotly-locale-ru.json``.

Why: the charts' toolbar tooltips ("Download plot as a PNG", "Zoom", "Reset axes"...)
must be in the reader's language, and the page loads nothing from the internet. The
npm package ``plotly.js-locales`` (pinned in ``package.json``; ``npm ci`` installs it)
ships plotly's own translations; it has Russian but no Kazakh. This developer script
asks Node.js to read its ``ru`` module and writes the dictionary and number format as
JSON, atomically. The Kazakh texts come from the explorer's ``kk`` .po file instead
(:func:`kazind.explorer.i18n.plotly_locales_js` builds both at run time).

Usage: ``.venv/bin/python scripts/make_plotly_locales.py [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

from kazind.common.atomic import atomic_write

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "node_modules" / "plotly.js-locales"
DEFAULT_OUT = ROOT / "src/kazind/explorer/data/plotly-locale-ru.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    node = shutil.which("node")
    if node is None or not (PACKAGE / "ru.js").is_file():
        raise SystemExit("needs Node.js and node_modules/plotly.js-locales: run 'npm ci' first")
    version = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    out = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [
            node,
            "-e",
            "process.stdout.write(JSON.stringify(require(process.argv[1])))",
            str(PACKAGE / "ru.js"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    locale = json.loads(out.stdout)
    locale["source"] = (
        f"npm package plotly.js-locales {version} (ru.js), MIT licence, (c) Plotly Technologies Inc."
    )
    with atomic_write(args.out) as fh:
        json.dump(locale, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.write("\n")
    print(f"wrote {args.out}: {len(locale['dictionary'])} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
