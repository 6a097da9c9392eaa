"""The package layout holds its promises: imports point one way, and only storage runs SQL.

Read from the source with `ast` (nothing is imported or executed), so a cycle hidden behind a
function-level or TYPE_CHECKING import counts too: a cycle in types is still a cycle in meaning.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "mockroom"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package's own modules that `name` imports, wherever in the file the import is."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"  # `from . import codec` names a module
                found.add(sub if sub in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    files = sources()
    modules = set(files)
    return {name: imports_of(name, path, modules) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_is_read_from_the_source() -> None:
    graph = import_graph()
    assert len(graph) > 60  # every module, subpackages included
    assert "mockroom.signaling.service" in graph["mockroom.app"]
    # A relative import two levels up, and `from . import x` naming a module, both resolve.
    assert "mockroom.errors" in graph["mockroom.scripted.session"]
    assert "mockroom.scripted.records" in graph["mockroom.scripted.session"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles(import_graph()) == []


# Where SQL may run: the store behind the seam, and the notes documents' own file.
STORAGE_MODULES = {
    "mockroom.storage.sqlite",
    "mockroom.storage.sqlite_features",
    "mockroom.storage.schema",
    "mockroom.storage.postgres",
    "mockroom.storage.postgres_features",
    "mockroom.storage.postgres_schema",
    "mockroom.storage.sqlite_transcripts",
    "mockroom.storage.postgres_transcripts",
    "mockroom.notes.storage",
    "mockroom.notes.pg_storage",
}
SQL_ATTRIBUTES = {"execute", "executemany", "executescript", "connection"}
# Redis pipelines `.execute()` too; these two modules talk to Redis and run no SQL.
REDIS_MODULES = {"mockroom.cluster.directory", "mockroom.cluster.node"}


def sql_sites(path: Path) -> list[str]:
    """`.execute(` / `.executescript(` / `.connection` uses and sqlite3 imports in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in SQL_ATTRIBUTES:
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            if "sqlite3" in names:
                found.append(f"{path.name}:{node.lineno} import sqlite3")
    return found


def test_the_sql_finder_finds_sql(tmp_path: Path) -> None:
    sample = tmp_path / "feature.py"
    sample.write_text("import sqlite3\n\ndef f(store):\n    store.connection.execute('SELECT 1')\n")
    assert sql_sites(sample) == [
        "feature.py:1 import sqlite3",
        "feature.py:4 .execute",
        "feature.py:4 .connection",
    ]


def test_no_module_outside_storage_runs_sql() -> None:
    files = sources()
    assert set(files) >= STORAGE_MODULES
    leaks = [
        site
        for name, path in files.items()
        if name not in STORAGE_MODULES and name not in REDIS_MODULES
        for site in sql_sites(path)
    ]
    assert leaks == []


def test_only_the_app_imports_a_routes_module() -> None:
    # Routes are the top layer: a service that needs a feature's clips or links imports the
    # module that keeps them (recordings.store), never the feature's routes, or imports would
    # point up (speech.transcripts once imported ClipStore from recordings.routes).
    graph = import_graph()
    assert "mockroom.recordings.routes" in graph["mockroom.app"]
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if name != "mockroom.app"
        for target in targets
        if target.endswith(".routes")
    )
    assert upward == []
