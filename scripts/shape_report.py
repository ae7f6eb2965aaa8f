"""Print the figures issue 11 judges the code's shape by, as JSON.

Lines per area (code and tests), modules over 800 lines, functions over 80 lines (outside
tests and migrations) and the imports of an area from ``steward.core``. Run from the
repository root: ``python scripts/shape_report.py``.
"""

import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "steward"
AREAS = sorted(p.parent.name for p in ROOT.glob("*/apps.py") if p.parent.name != "core")


def _python(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*.py") if "migrations" not in p.parts)


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def main() -> int:
    areas: dict[str, dict[str, int]] = {}
    big_modules: list[str] = []
    long_functions: list[str] = []
    core_imports: list[str] = []
    for area in ["core", *AREAS]:
        code = tests = 0
        for path in _python(ROOT / area):
            rel = str(path.relative_to(ROOT.parent))
            n = _lines(path)
            is_test = "tests" in path.parts
            if is_test:
                tests += n
            else:
                code += n
            if n > 800:
                big_modules.append(f"{rel} {n}")
            if is_test:
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > 80:
                        long_functions.append(f"{rel}:{node.lineno} {node.name} {length}")
                if area == "core" and isinstance(node, ast.ImportFrom | ast.Import):
                    names = (
                        [node.module or ""]
                        if isinstance(node, ast.ImportFrom)
                        else [a.name for a in node.names]
                    )
                    for name in names:
                        if any(name.startswith(f"steward.{a}") for a in AREAS):
                            core_imports.append(f"{rel}:{node.lineno} {name}")
        areas[area] = {"code_lines": code, "test_lines": tests}
    print(
        json.dumps(
            {
                "areas": areas,
                "modules_over_800_lines": big_modules,
                "functions_over_80_lines": long_functions,
                "core_imports_of_areas": core_imports,
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
