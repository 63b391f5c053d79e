"""`make test` on a machine without Chromium: it looks, asks Playwright for one, and only then stops,
with one instruction, before any test runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def no_chromium_env(tmp_path: Path) -> dict[str, str]:
    """A PATH with the tools make needs and no browser; Playwright's downloads refused at once."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("sh", "bash", "make", "grep", "touch", "test", "env", "dirname", "cat"):
        if found := shutil.which(tool):
            (tools / tool).symlink_to(found)
    env = {key: value for key, value in os.environ.items() if key != "CHROMIUM_PATH"}
    return env | {
        "PATH": str(tools),
        "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "playwright"),  # nothing installed there
        "PLAYWRIGHT_DOWNLOAD_HOST": "http://127.0.0.1:9",  # a closed port: the download fails at once
    }


def test_a_machine_without_chromium_tries_playwright_then_stops_with_one_instruction(tmp_path: Path) -> None:
    found = subprocess.run(
        [sys.executable, "-m", "scripts.browser"], cwd=ROOT, env=no_chromium_env(tmp_path),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert found.returncode == 1
    assert found.stdout == ""
    assert "trying `playwright install chromium`" in found.stderr
    assert "sudo apt-get install chromium" in found.stderr


def test_make_test_stops_before_running_any_test_when_no_chromium_can_be_had(tmp_path: Path) -> None:
    run = subprocess.run(
        ["make", "--no-print-directory", "test", "PYTEST_ARGS=--collect-only -q tests/config/test_settings.py"],
        cwd=ROOT, env=no_chromium_env(tmp_path), capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    assert run.returncode != 0
    assert "The browser tests need Chromium" in run.stderr
    assert "collected" not in run.stdout + run.stderr  # pytest never started


def test_a_system_chromium_is_found_without_downloading_anything(tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    assert chromium is not None, "this machine's CI installs Debian's chromium (.ci/run)"
    env = no_chromium_env(tmp_path)
    (Path(env["PATH"]) / "chromium").symlink_to(chromium)

    found = subprocess.run(
        [sys.executable, "-m", "scripts.browser"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )

    assert (found.returncode, found.stdout.strip()) == (0, str(Path(env["PATH"]) / "chromium"))
    assert "playwright install" not in found.stderr
