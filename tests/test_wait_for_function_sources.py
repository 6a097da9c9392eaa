"""Every page.wait_for_function in tests/ and bench/ is given a JavaScript *function*, never an
expression. Playwright polls an expression with `globalThis.eval(expression)` on every try after
the first, from a timer in the page, and the room page's CSP refuses eval: the wait then fails
whenever its condition was not already true at the first try (a flake that depends on load). A
function is evaluated once, inside the first DevTools call (which the CSP allows), and called
after that. page.evaluate is one DevTools call, so an expression there is fine."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from support.paths import REPO

HEAD = re.compile(r"(async\s+)?(function\b|[A-Za-z_$][\w$]*\s*=>)")


def is_function(source: str) -> bool:
    """Whether `source` is a function expression: `function …`, `x => …`, `(…) => …`."""
    source = source.strip()
    if HEAD.match(source):
        return True
    source = re.sub(r"^async\s+", "", source)
    if not source.startswith("("):
        return False
    depth = 0
    for i, ch in enumerate(source):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            rest = source[i + 1 :].strip()
            # `(a, b) => …`, or a whole function in parentheses: `(function () { … })`
            return rest.startswith("=>") or (not rest and is_function(source[1:i]))
    return False


def text_of(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The JavaScript a call was given: a literal, an f-string (its fixed text), or a module
    constant; None for anything else (a parameter: its callers are checked instead)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "x" for v in node.values)
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def expression_waits(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    constants: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            value = text_of(stmt.value, constants)
            if isinstance(target, ast.Name) and value is not None:
                constants[target.id] = value
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "wait_for_function" or not node.args:
            continue
        source = text_of(node.args[0], constants)
        if source is not None and not is_function(source):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: {source.strip()[:60]!r}")
    return found


def test_the_checker_tells_a_function_from_an_expression() -> None:
    functions = ["() => x", "async () => x", "(n) => n > 1", "([a, b]) => a", "n => n", "x=>x"]
    functions += ["function () { return 1; }", "(function () { return 1; })"]
    expressions = ["performance.getEntriesByName('m').length > 0", "window.__ready", "(a || b)"]
    expressions += ["(a) && (() => b)()"]
    assert all(is_function(f) for f in functions)
    assert not any(is_function(e) for e in expressions)


def test_every_wait_for_function_is_given_a_function() -> None:
    files = sorted([*(REPO / "tests").rglob("*.py"), *(REPO / "bench").rglob("*.py")])
    assert len(files) > 50
    found = [hit for path in files for hit in expression_waits(path)]
    assert not found, found
