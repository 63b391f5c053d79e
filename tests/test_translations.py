"""Every catalogue is fully translated, its compiled file is up to date, and it holds every message the
code and templates ask for.

(a) no empty, no fuzzy entry, and the placeholders of each translation are those of its message;
(b) the committed ``.mo`` says what its ``.po`` says;
(c) ``makemessages`` run on a copy of the tree finds no message the committed catalogue lacks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polib  # type: ignore[import-untyped]  # no stubs published
import pytest

ROOT = Path(__file__).resolve().parents[1]
# What ``make messages`` leaves out: the virtualenv, collected static files, the browser extension's own
# (non-Django) strings, and the data and caches of a working copy.
SKIPPED = {".venv", "staticfiles", "clients", ".git", ".data", "node_modules", ".mypy_cache", ".ruff_cache",
           ".pytest_cache", "tests", "bench", "scripts"}  # fmt: skip
# A bare "% d" (space flag) is left out: in running text it is a percent sign before a word ("ce % de").
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|(?<!%)%[#0+-]*\d*(?:\.\d+)?[sdif]|\{(\w+)\}")


def catalogues(root: Path = ROOT) -> Iterator[Path]:
    """locale/ at the top and every APP/locale/, outside what is skipped."""
    for path in sorted(root.rglob("locale/*/LC_MESSAGES/django.po")):
        if not SKIPPED & set(path.relative_to(root).parts):
            yield path


def placeholders(text: str) -> list[str]:
    return sorted(named or braced or "%" + match.group(0)[-1] for match in PLACEHOLDER.finditer(text.replace("%%", ""))
                  for named, braced in [(match.group(1), match.group(2))])  # fmt: skip


def entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in catalogue
        if entry.msgid and not entry.obsolete
    }


PO_FILES = list(catalogues())


def test_there_is_a_french_catalogue() -> None:
    assert ROOT / "locale/fr/LC_MESSAGES/django.po" in PO_FILES


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_entry_is_translated_with_the_same_placeholders(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        where = f"{entry.msgid[:70]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {where}")
        if not entry.translated():
            problems.append(f"untranslated: {where}")
            continue
        if entry.msgid_plural:
            allowed = [placeholders(entry.msgid), placeholders(entry.msgid_plural)]
            for form in entry.msgstr_plural.values():
                if placeholders(form) not in allowed:
                    problems.append(f"placeholders differ: {where} -> {form[:70]!r}")
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            problems.append(f"placeholders differ: {where} -> {entry.msgstr[:70]!r}")
    assert problems == [], f"{po_path.relative_to(ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_committed_mo_file_is_compiled_from_its_po_file(po_path: Path, tmp_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path.relative_to(ROOT)} is missing: run `make messages`"
    fresh = tmp_path / "django.mo"
    polib.pofile(str(po_path)).save_as_mofile(str(fresh))

    assert entries(polib.mofile(str(mo_path))) == entries(polib.mofile(str(fresh))), (
        f"{mo_path.relative_to(ROOT)} is older than its .po: run `make messages`"
    )


def test_the_catalogues_hold_every_message_the_code_and_templates_use(tmp_path: Path) -> None:
    # given a copy of the tree, with its catalogues as committed
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=lambda _dir, names: [n for n in names if n in SKIPPED])
    environment = os.environ | {"PYTHONPATH": str(copy), "DJANGO_SETTINGS_MODULE": "config.settings.test"}

    # when makemessages reads the copy's code and templates again
    ignored = [f"--ignore={name}" for name in sorted(SKIPPED)]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", *ignored],
        cwd=copy, env=environment, check=True, capture_output=True, timeout=120,
    )  # fmt: skip

    # then no message it found is missing from what is committed
    missing = []
    for fresh_path in catalogues(copy):
        committed_path = ROOT / fresh_path.relative_to(copy)
        committed = entries(polib.pofile(str(committed_path))) if committed_path.is_file() else {}
        for context, msgid in entries(polib.pofile(str(fresh_path))):
            if (context, msgid) not in committed:
                missing.append(f"{committed_path.relative_to(ROOT)}: {msgid[:90]!r}")
    assert missing == [], "run `make messages` and translate:\n" + "\n".join(missing)
