"""Core's modules import each other without cycles, and no import hides in a function.

The graph counts every import of a ``steward.core`` module by another one (outside tests
and migrations), also the ones inside functions, which is where cycles used to hide
(``clocks -> notify -> tasks -> webhooks``); ``if TYPE_CHECKING:`` imports are left out
(they never run).
"""

import ast
from pathlib import Path

STEWARD = Path(__file__).resolve().parents[2]

# Imports inside a function that stay, each with why.
FUNCTION_IMPORTS_ALLOWED = {
    "core/apps.py": "AppConfig.ready() imports what registers itself, once apps are loaded",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in (STEWARD / "core").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        parts = path.relative_to(STEWARD.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    return skipped


def _imports(path: Path, modules: dict[str, Path]) -> list[tuple[str, bool, int]]:
    """(imported core module, inside a function?, line) for each import in ``path``."""
    tree = ast.parse(path.read_text())
    skipped = _type_checking_nodes(tree)
    in_function = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(f)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            # "from steward.core import notify" imports the module steward.core.notify.
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.append((name, id(node) in in_function, node.lineno))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {dep for dep, _, _ in _imports(path, modules) if dep != name}
        for name, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
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
                    work.append((child, iter(sorted(graph.get(child, ())))))
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


def test_core_modules_import_each_other_without_cycles():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles among core modules:\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_the_cycle_check_sees_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_core_imports_its_modules_at_the_top():
    """An import inside a function hides a dependency (and, before, a cycle)."""
    modules = _modules()
    found = []
    for path in modules.values():
        rel = str(path.relative_to(STEWARD))
        if rel in FUNCTION_IMPORTS_ALLOWED:
            continue
        for dep, in_function, line in _imports(path, modules):
            if in_function:
                found.append(f"{rel}:{line} imports {dep} inside a function")
    assert not found, "\n".join(sorted(set(found)))


def test_core_tests_import_no_area_at_the_top():
    """A test that needs several areas lives in ``src/steward/tests/`` (ARCHITECTURE.md)."""
    areas = {p.name for p in STEWARD.iterdir() if (p / "apps.py").exists()} - {"core"}
    found = []
    for path in (STEWARD / "core").rglob("*.py"):
        if not {"tests", "testing"} & set(path.parts):
            continue
        for node in ast.parse(path.read_text()).body:
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [module]
            for name in filter(None, names):
                parts = name.split(".")
                if parts[0] == "steward" and len(parts) > 1 and parts[1] in areas:
                    found.append(f"{path.relative_to(STEWARD)}:{node.lineno} imports {name}")
    assert not found, "\n".join(found)
