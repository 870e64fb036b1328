"""No module of app/ takes another's private names (a leading underscore): what a
module shares is what it names without one. The layers themselves are import-linter
contracts in pyproject.toml, checked by `make lint`."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_app_module(dotted: str) -> bool:
    path = APP.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def private_names_taken(source: str, *, package: str) -> list[str]:
    """Each `from app.x import _name`, and each `m._name` where `m` is a module of
    app/ that this source imported, as "line: what"."""
    tree = ast.parse(source)
    modules: set[str] = set()  # local names bound to modules of app/
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            node_module = f"{base}.{node.module}" if node.module else base
        elif isinstance(node, ast.ImportFrom):
            node_module = node.module or ""
        else:
            node_module = ""
        if isinstance(node, ast.ImportFrom) and node_module.split(".")[0] == "app":
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{node.lineno}: from {node_module} import {alias.name}")
                elif _is_app_module(f"{node_module}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "app" and alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _is_private(node.attr)
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_of_app_takes_another_modules_private_names() -> None:
    taken = {}
    for path in sorted(APP.rglob("*.py")):
        dotted = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        package = dotted if path.name == "__init__.py" else dotted.rsplit(".", 1)[0]
        found = private_names_taken(path.read_text(encoding="utf-8"), package=package)
        if found:
            taken[str(path.relative_to(APP.parent))] = found
    assert taken == {}


def test_the_check_sees_both_ways_of_taking_a_private_name() -> None:
    source = (
        "from app.cpd import form_views\n"
        "from app.auth.views import _safe_next\n"
        "record = form_views._owned(1)\n"
        "fine = form_views.render_form\n"
    )
    assert private_names_taken(source, package="app.cpd") == [
        "2: from app.auth.views import _safe_next",
        "3: form_views._owned",
    ]
