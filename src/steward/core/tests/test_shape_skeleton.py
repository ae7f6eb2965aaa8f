"""Every process area has the same shape, and core does not know the areas (issue 11).

Fails naming the area and the module when an area (an installed app under ``steward.``
other than core) lacks a part of the skeleton (docs/ARCHITECTURE.md, "Layout"), when a
non-test core module imports an area, when a module outside migrations and tests passes
800 lines, or when a function passes 80 lines outside the allowlist below.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

STEWARD = Path(__file__).resolve().parents[2]

# The skeleton: (what, the paths that satisfy it; a trailing "/" is a package or directory).
SKELETON = [
    ("apps.py", ["apps.py"]),
    ("models", ["models.py", "models/"]),
    ("choices.py", ["choices.py"]),
    ("workflows.py", ["workflows.py"]),
    ("events.py", ["events.py"]),
    ("actions.py", ["actions.py"]),
    ("inputs.py", ["inputs.py"]),
    ("permissions_catalog.py", ["permissions_catalog.py"]),
    ("registrations.py", ["registrations.py"]),
    ("services/", ["services/"]),
    ("queries/", ["queries/"]),
    ("filters/", ["filters/"]),
    ("api/", ["api/"]),
    ("views/", ["views/"]),
    ("forms", ["forms.py", "forms/"]),
    ("tasks.py", ["tasks.py"]),
    ("demo.py", ["demo.py"]),
    ("urls.py", ["urls.py"]),
    ("admin.py", ["admin.py"]),
    ("templates/<area>/", ["templates/{area}/"]),
    ("tests/", ["tests/"]),
    ("migrations/", ["migrations/"]),
]
NOT_YET: set[str] = set()  # skeleton parts not required yet (none today)

MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80
# Modules and functions allowed over the limits, each with its reason: only declarative
# tables (a long literal that is one declaration) belong here. Empty today.
BIG_MODULES_ALLOWED: dict[str, str] = {}
LONG_FUNCTIONS_ALLOWED: dict[str, str] = {}


def _areas() -> list[str]:
    return sorted(
        config.name.removeprefix("steward.")
        for config in apps.get_app_configs()
        if config.name.startswith("steward.") and config.name != "steward.core"
    )


def _code(area: str) -> list[Path]:
    """The area's Python modules outside tests and migrations."""
    return sorted(
        p
        for p in (STEWARD / area).rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts
    )


def _exists(area: str, candidate: str) -> bool:
    path = STEWARD / area / candidate.format(area=area)
    return path.is_dir() if candidate.endswith("/") else path.is_file()


@pytest.mark.parametrize("area", _areas())
def test_every_area_has_the_skeleton(area):
    missing = [
        what
        for what, candidates in SKELETON
        if what not in NOT_YET and not any(_exists(area, c) for c in candidates)
    ]
    assert not missing, f"steward/{area} lacks {', '.join(missing)} (see docs/ARCHITECTURE.md)"


def test_the_skeleton_finds_a_missing_module(tmp_path, monkeypatch):
    """The check above would see a missing module (it is not vacuous)."""
    monkeypatch.setattr(f"{__name__}.STEWARD", tmp_path)
    (tmp_path / "area" / "services").mkdir(parents=True)
    assert _exists("area", "services/")
    assert not _exists("area", "queries/")
    assert not _exists("area", "forms.py")


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def test_core_does_not_import_the_areas():
    """Areas register with core in their AppConfig.ready() (core/registry.py)."""
    areas = _areas()
    found = []
    for path in _code("core"):
        for line, name in _imported(ast.parse(path.read_text())):
            if any(name == f"steward.{a}" or name.startswith(f"steward.{a}.") for a in areas):
                found.append(f"{path.relative_to(STEWARD)}:{line} imports {name}")
    assert not found, "core imports areas:\n" + "\n".join(found)


def test_no_module_passes_800_lines():
    found = []
    for area in ["core", *_areas()]:
        for path in _code(area):
            rel = str(path.relative_to(STEWARD))
            lines = len(path.read_text().splitlines())
            if lines > MAX_MODULE_LINES and rel not in BIG_MODULES_ALLOWED:
                found.append(f"{rel}: {lines} lines")
    assert not found, "split these modules by topic:\n" + "\n".join(found)


def test_no_function_passes_80_lines():
    found = []
    for area in ["core", *_areas()]:
        for path in _code(area):
            rel = str(path.relative_to(STEWARD))
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if (
                    length > MAX_FUNCTION_LINES
                    and f"{rel}:{node.name}" not in LONG_FUNCTIONS_ALLOWED
                ):
                    found.append(f"{rel}:{node.lineno} {node.name}: {length} lines")
    assert not found, "cut these functions:\n" + "\n".join(found)


def test_the_allowlists_hold_only_what_is_still_too_long():
    """An entry whose module or function has been split comes off the list."""
    stale = [
        rel
        for rel in BIG_MODULES_ALLOWED
        if not (STEWARD / rel).is_file()
        or len((STEWARD / rel).read_text().splitlines()) <= MAX_MODULE_LINES
    ]
    for entry in LONG_FUNCTIONS_ALLOWED:
        rel, name = entry.split(":")
        path = STEWARD / rel
        lengths = [
            (n.end_lineno or n.lineno) - n.lineno + 1
            for n in (ast.walk(ast.parse(path.read_text())) if path.is_file() else [])
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
        ]
        if not any(length > MAX_FUNCTION_LINES for length in lengths):
            stale.append(entry)
    assert not stale, "no longer too long, remove from the allowlist: " + ", ".join(stale)
