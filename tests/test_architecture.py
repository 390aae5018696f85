"""The house keeps its shape: small modules, small folders, and no import cycle.

import-linter (`lint-imports`, run by `make test` and `make lint`) checks the layers and the
forbidden imports written in pyproject.toml. It cannot see every import that makes a cycle, so
this test reads the source with `ast` and counts every import: at the top of a module, inside a
function and under `if TYPE_CHECKING:` alike. An import tucked inside a function to dodge a
cycle is a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = {"sts_queries": REPO / "queries", "sts_bot": REPO / "bot"}
MAX_LINES = 300  # STYLE.md: a file that passes ~300 lines is asking to be split
MAX_MODULES = 20  # a folder a newcomer can read at a glance


def modules(packages: dict[str, Path] = PACKAGES) -> dict[str, Path]:
    """Every module of the packages by its dotted name (a package by its __init__.py)."""
    found = {}
    for name, root in packages.items():
        for path in sorted(root.rglob("*.py")):
            parts = [name, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(module: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The package's modules `module` imports, wherever in its source the import is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]
            if any(name not in known for name in names):  # names, not modules, of `base`
                names.append(base)
        else:
            continue
        for name in names:
            # `from pkg import module` imports the module; `from module import name` the module
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                yield name


def graph(known: dict[str, Path]) -> dict[str, set[str]]:
    return {m: set(imported(m, p, known)) for m, p in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_back_through_others():
    assert cycles(graph(modules())) == []


@pytest.mark.parametrize("module", sorted(modules()))
def test_module_is_small(module):
    lines = modules()[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by concern"


def test_no_folder_holds_more_than_twenty_modules():
    folders: dict[Path, int] = {}
    for path in modules().values():
        if path.name != "__init__.py":
            folders[path.parent] = folders.get(path.parent, 0) + 1
    crowded = {str(f.relative_to(REPO)): n for f, n in folders.items() if n > MAX_MODULES}
    assert crowded == {}


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path):
    # The check itself, on a deliberate cycle hidden the way the old code hid them.
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from pkg.b import B\n")
    (root / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import C\nB = 1\n"
    )
    (root / "c.py").write_text("def f():\n    from pkg import a\n")
    assert cycles(graph(modules({"pkg": root}))) == [["pkg.a", "pkg.b", "pkg.c"]]
