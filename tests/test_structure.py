"""The structure STYLE.md asks for, checked on the code as it is (the same rules as `make lint`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from scripts.lint_structure import ROOT, check_view_module, violations


def test_every_app_keeps_its_rooms_and_its_views_are_thin() -> None:
    # In its own process, as `make lint` runs it: CPython 3.11's `ast` keeps one recursion counter per
    # interpreter, and a traceback formatted meanwhile by another thread (a live server's) also parses.
    check = subprocess.run(
        [sys.executable, "-m", "scripts.lint_structure"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (check.returncode, check.stderr) == (0, ""), check.stdout
    assert "structure violation" not in check.stdout


def test_the_check_names_an_orm_call_a_hidden_action_and_an_early_enqueue() -> None:
    # given a view module that does what views must not
    thick = ROOT / "panel" / "views" / "_thick_example.py"
    thick.write_text(
        "def console_thing(request):\n"
        "    items = Thing.objects.filter(tenant=request.tenant)\n"
        "    if request.POST.get('action') == 'drop':\n"
        "        drop_task.delay(1)\n"
    )
    try:
        # when the structure is checked
        found = list(violations())
    finally:
        thick.unlink()

    # then each is named with its place
    where = "panel/views/_thick_example.py"
    assert f"{where}:2: a view calls the ORM (.objects); use a selector or a service" in found
    assert f"{where}:2: a view calls the ORM (.filter); use a selector or a service" in found
    assert any(line.startswith(f"{where}:3: a hidden 'action' field") for line in found)
    assert f"{where}:4: .delay() enqueues before the commit; use delay_on_commit" in found


def test_make_lint_runs_the_import_layers_and_refuses_an_upward_import() -> None:
    # given a lower app that imports a higher one
    probe = ROOT / "panel" / "_upward_probe.py"
    probe.write_text("from rewards import selectors  # noqa: F401\n")
    try:
        # when the layers are linted
        lint = subprocess.run(
            [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        probe.unlink()

    # then the contract is broken, naming the import
    assert lint.returncode != 0
    assert "panel is not allowed to import rewards" in lint.stdout
    assert "panel._upward_probe -> rewards.selectors" in lint.stdout


def test_a_view_that_calls_a_selector_and_renders_passes() -> None:
    source = "def page(request):\n    return render_console(request, 't.html', 's', {'x': thing_list(tenant=1)})\n"

    assert list(check_view_module(ROOT / "panel" / "views" / "x.py", ast.parse(source))) == []
