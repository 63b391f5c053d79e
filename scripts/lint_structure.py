"""The structure rules of STYLE.md that ruff and mypy cannot see, checked on every ``make lint``.

- Every app has the same rooms: ``models.py``, ``selectors.py`` (reads), ``services.py`` or
  ``services/`` (writes), ``admin.py``, ``apps.py``.
- Views and API handlers are thin: no ORM call (``objects``, ``filter``, ``aggregate``, ...), no
  ``get_object_or_404``, no transaction, and no hidden ``action`` field switching inside a view. They
  authorise, parse, call one service or selector, and render.
- Every enqueue waits for the commit: ``delay_on_commit``, never ``delay`` or ``apply_async``.
- Tasks are named after their service, with ``_task`` at the end, and the Celery name is the dotted
  path of the function.
- A query of a tenant-owned table across tenants (``.unscoped()``, see tenants.models) says why, in a
  ``# across tenants:`` comment on its line or the line above; every such query is listed.

Run ``python -m scripts.lint_structure``; it prints each violation with its place and exits 1.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "tenants", "consent", "panel", "rewards", "surveys", "receipts", "adverification"]
ROOMS = ["models.py", "selectors.py", "admin.py", "apps.py"]

ORM_ATTRIBUTES = {
    "objects",
    "filter",
    "exclude",
    "aggregate",
    "annotate",
    "values_list",
    "select_related",
    "prefetch_related",
    "order_by",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "select_for_update",
    "raw",
    "atomic",
    "save",
}
ORM_NAMES = {"get_object_or_404", "get_list_or_404", "atomic"}
VIEW_DECORATORS = {"staff_required", "login_required", "require_GET", "require_POST", "require_http_methods"}
ENQUEUE_NOW = {"delay", "apply_async"}


def app_modules(app: str) -> Iterator[Path]:
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def is_view_module(path: Path, tree: ast.Module) -> bool:
    if path.name in {"views.py", "api.py"} or path.parent.name in {"views", "api"}:
        return True
    return any(
        isinstance(node, ast.FunctionDef) and any(_decorator_name(d) in VIEW_DECORATORS for d in node.decorator_list)
        for node in tree.body
    )


def check_rooms(app: str) -> Iterator[str]:
    folder = ROOT / app
    if not folder.is_dir() or (not (folder / "models.py").exists() and app == "surveys"):
        return  # an app that does not exist yet, or has no models yet, has no rooms to keep
    for room in ROOMS:
        if not (folder / room).exists():
            yield f"{app}/: no {room}"
    if not (folder / "services.py").exists() and not (folder / "services" / "__init__.py").exists():
        yield f"{app}/: no services.py or services/"


def check_view_module(path: Path, tree: ast.Module) -> Iterator[str]:
    where = path.relative_to(ROOT)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ORM_ATTRIBUTES:
            yield f"{where}:{node.lineno}: a view calls the ORM (.{node.attr}); use a selector or a service"
        elif isinstance(node, ast.Name) and node.id in ORM_NAMES:
            yield f"{where}:{node.lineno}: a view calls {node.id}; use a selector or a service"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "action"
        ):
            yield f"{where}:{node.lineno}: a hidden 'action' field switches inside a view; give each action its URL"


def check_enqueues(path: Path, tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ENQUEUE_NOW:
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            yield f"{where}: .{node.func.attr}() enqueues before the commit; use delay_on_commit"


def check_tasks(app: str, path: Path, tree: ast.Module) -> Iterator[str]:
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if _decorator_name(decorator) != "shared_task" or not isinstance(decorator, ast.Call):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if not node.name.endswith("_task"):
                yield f"{where}: task {node.name} does not end with _task"
            names = [k.value.value for k in decorator.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)]
            if names != [f"{app}.tasks.{node.name}"]:
                yield f"{where}: task {node.name} must be named '{app}.tasks.{node.name}'"


ACROSS_TENANTS = "# across tenants:"


def unscoped_uses() -> Iterator[tuple[str, bool]]:
    """Each ``.unscoped()`` in the apps, with whether it says why."""
    for app in APPS:
        if not (ROOT / app).is_dir():
            continue
        for path in app_modules(app):
            source = path.read_text()
            lines = source.splitlines()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "unscoped":
                    number = node.func.end_lineno or node.lineno
                    said = any(ACROSS_TENANTS in lines[n - 1] for n in (number, number - 1, node.lineno) if n >= 1)
                    yield f"{path.relative_to(ROOT)}:{number}", said


def violations() -> Iterator[str]:
    for app in APPS:
        if not (ROOT / app).is_dir():
            continue
        yield from check_rooms(app)
        for path in app_modules(app):
            tree = ast.parse(path.read_text(), filename=str(path))
            if is_view_module(path, tree):
                yield from check_view_module(path, tree)
            yield from check_enqueues(path, tree)
            if path.name == "tasks.py":
                yield from check_tasks(app, path, tree)
    for where, said in unscoped_uses():
        if not said:
            yield f"{where}: .unscoped() without a '{ACROSS_TENANTS} why' comment on its line or the line above"


def main() -> int:
    found = list(violations())
    for line in found:
        print(line)
    across = [where for where, _said in unscoped_uses()]
    print(f"Queries across tenants ({len(across)}, each with its reason in the code):")
    for where in across:
        print(f"  {where}")
    if found:
        print(f"\n{len(found)} structure violation(s); see scripts/lint_structure.py for the rules.")
        return 1
    print("Structure: every app has its rooms, views are thin, enqueues wait for the commit, tasks are named.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
