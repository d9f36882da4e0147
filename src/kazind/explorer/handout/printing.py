"""Print the handout's HTML to an A4 PDF with Debian's Chromium, driven by Playwright.

Playwright is a run dependency of ``kazind report --format pdf`` only (``pip install
'kazind[pdf]'``); its own browser download is never used: the browser is the system's
Chromium (``/usr/bin/chromium``, or ``$KAZIND_CHROMIUM``). A missing package or browser
is one clear line saying how to install it. The HTML is opened from a temporary file
(no network: the handout fetches nothing) and the PDF written beside ``out`` and renamed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from kazind.common.atomic import atomic_path
from kazind.common.errors import KazindError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#666;font-family:sans-serif">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def chromium_path() -> str:
    """The Chromium to print with, or a KazindError saying how to install it."""
    path = os.environ.get("KAZIND_CHROMIUM") or CHROMIUM
    found = (
        shutil.which(path)
        if not os.path.isabs(path)
        else (path if os.access(path, os.X_OK) else None)
    )
    if not found:
        raise KazindError(
            f"report --format pdf needs Chromium at {path}; install Debian's package "
            "(apt-get install chromium) or set KAZIND_CHROMIUM to a Chromium binary"
        )
    return found


def print_pdf(html_text: str, out: str | Path, timeout_ms: int = 60_000) -> int:
    """Print ``html_text`` to the PDF ``out`` (A4, backgrounds, page numbers); its size in bytes."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise KazindError(
            "report --format pdf needs the Python package playwright: pip install 'kazind[pdf]'"
        ) from None
    browser_path = chromium_path()
    with tempfile.TemporaryDirectory(prefix="kazind-handout-") as tmp:
        page_file = Path(tmp) / "handout.html"
        page_file.write_text(html_text, encoding="utf-8")
        try:
            with sync_playwright() as pw, atomic_path(out) as target:
                browser = pw.chromium.launch(
                    executable_path=browser_path, args=CHROMIUM_ARGS, headless=True
                )
                try:
                    page = browser.new_page()
                    page.goto(page_file.as_uri(), wait_until="load", timeout=timeout_ms)
                    page.emulate_media(media="print")
                    page.pdf(
                        path=str(target),
                        format="A4",
                        print_background=True,
                        prefer_css_page_size=True,
                        display_header_footer=True,
                        header_template="<span></span>",
                        footer_template=FOOTER,
                    )
                finally:
                    browser.close()
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise KazindError(f"report --format pdf: Chromium failed: {first}") from None
        except OSError as exc:
            raise KazindError(f"cannot write {out}: {exc.strerror or exc}") from None
    return Path(out).stat().st_size
