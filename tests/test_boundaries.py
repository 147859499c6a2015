"""Who may import what inside the kit (issue 10, item 7).

- No module of checks/ or benchmarks/ imports another module's private names (``_name``).
- The student's side of the grader (checks/ outside checks/instructor/) does not import the
  instructor's tools, except where the suite loads the hidden checks when they are asked for and
  where the command line dispatches an instructor's command: the student release leaves
  checks/instructor/ out, and nothing else may need it.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "checks"
# The only places of the student's side that name checks/instructor/, and why.
MAY_NAME_INSTRUCTOR = {
    "checks/cli.py": "dispatches the instructor's commands, and refuses them when the folder is absent",
    "checks/suite/__init__.py": "loads the hidden checks for --hidden and the composites' wirings, when the folder is present",
}


def _modules(*folders):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "__pycache__" not in path.parts:
                yield path


def _imports(path):
    """(module it names relative to the file, [names]) for each ``from ... import ...`` of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield node.level, node.module or "", [alias.name for alias in node.names]


def private_imports(path):
    return [f"from {'.' * level}{module} import {name}" for level, module, names in _imports(path)
            for name in names if name.startswith("_") and not name.startswith("__") and module != "__future__"]


def test_no_module_imports_another_modules_private_names():
    found = {}
    for path in _modules("checks", "benchmarks"):
        bad = private_imports(path)
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    assert not found, found


def test_the_private_import_test_sees_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from .worker import _account, Limits\nfrom __future__ import annotations\n")
    assert private_imports(sample) == ["from .worker import _account"]


def test_the_students_side_names_the_instructors_tools_only_where_it_must():
    found = {}
    for path in _modules("checks"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("checks/instructor/") or relative in MAY_NAME_INSTRUCTOR:
            continue
        text = path.read_text(encoding="utf-8")
        named = [f"{'.' * level}{module}" for level, module, names in _imports(path)
                 if "instructor" in module.split(".") or "instructor" in names]
        if named or "INSTRUCTOR_PACKAGE" in text and relative != "checks/layout.py":
            found[relative] = named or ["INSTRUCTOR_PACKAGE"]
    assert not found, found
