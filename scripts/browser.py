"""Find the Chromium that the browser tests drive, or fetch one; ``make test`` runs this first.

The order: ``CHROMIUM_PATH`` if set; a system Chromium (Debian's ``chromium``, ``chromium-browser``,
``google-chrome``); a Chromium that Playwright installed earlier; else ``playwright install chromium``.
Only when all of these fail does it stop, with one instruction, before any test runs.

    python -m scripts.browser    # prints the path of the browser, or explains and exits 1
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SYSTEM_BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
INSTRUCTION = (
    "The browser tests need Chromium, and none was found or could be downloaded.\n"
    "Install it with your package manager (Debian or Ubuntu: `sudo apt-get install chromium`),\n"
    "or point CHROMIUM_PATH at a Chromium or Chrome binary, then run `make test` again."
)


def _playwright_chromium() -> str | None:
    """The Chromium that ``playwright install chromium`` put in Playwright's cache, if any."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = playwright.chromium.executable_path
    return path if path and Path(path).exists() else None


def chromium_find() -> str | None:
    wanted = os.environ.get("CHROMIUM_PATH")
    if wanted:
        return wanted if Path(wanted).exists() else None
    for name in SYSTEM_BROWSERS:
        if found := shutil.which(name):
            return found
    return _playwright_chromium()


def main() -> int:
    path = chromium_find()
    if path is None and not os.environ.get("CHROMIUM_PATH"):
        print("[browser] no Chromium found: trying `playwright install chromium`", file=sys.stderr, flush=True)
        installed = subprocess.run(
            [sys.executable, "-m", "playwright", "install", "chromium"],
            stdout=sys.stderr,
            stderr=sys.stderr,
            check=False,
            timeout=900,
        )
        path = _playwright_chromium() if installed.returncode == 0 else None
    if path is None:
        where = (
            f" (CHROMIUM_PATH={os.environ['CHROMIUM_PATH']} does not exist)" if os.environ.get("CHROMIUM_PATH") else ""
        )
        print(f"[browser] {INSTRUCTION}{where}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
