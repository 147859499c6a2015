"""Generate the student copy (``assignment/``) from the reference code (``solutions/``).

Every answer in ``solutions/`` sits between two marker lines::

    # BEGIN SOLUTION
    out = np.maximum(0, x)
    # END SOLUTION

``strip_solutions`` replaces each such block, markers included, with one line that raises
``NotImplementedError("relu_forward is not implemented yet (assignment/layers.py)")``, indented
like the block. Everything else (docstrings, the TODO comments above the block, given code)
is copied unchanged. Only ``.py`` files are copied: notes kept beside the solutions (the
instructor's answers, for example) never reach the student copy.
"""
from __future__ import annotations

import ast
import difflib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
_MARKER = re.compile(r"^(?P<indent>[ \t]*)# (?P<kind>BEGIN|END) SOLUTION[ \t]*$")

KIT_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = KIT_ROOT / "solutions"
ASSIGNMENT_DIR = KIT_ROOT / "assignment"


class AssignError(ValueError):
    """A solution file whose markers cannot be turned into a student copy."""


@dataclass(frozen=True)
class SolutionBlock:
    """One answer block: where it is and which function (or ``Class.method``) holds it."""

    module: str  # file stem, e.g. "layers"
    function: str  # "relu_forward" or "FullyConnectedNet.loss"
    begin: int  # 1-based line number of the BEGIN marker
    end: int  # 1-based line number of the END marker


def stub_message(function: str, module: str) -> str:
    """The exact message a TODO stub raises (SPEC.md)."""
    return f"{function} is not implemented yet (assignment/{module}.py)"


def _enclosing_functions(tree: ast.AST) -> List[tuple]:
    """(first line, last line, qualified name) of every function, innermost last."""
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def find_blocks(source: str, module: str) -> List[SolutionBlock]:
    """Every solution block of one module, in file order, checked for well-formedness."""
    spans = _enclosing_functions(ast.parse(source))
    blocks: List[SolutionBlock] = []
    open_line: Optional[int] = None
    open_indent = ""
    for number, line in enumerate(source.splitlines(), start=1):
        match = _MARKER.match(line)
        if match is None:
            if open_line is None and (BEGIN in line or END in line):
                raise AssignError(f"{module}.py:{number}: a solution marker must stand alone on its line")
            continue
        if match["kind"] == "BEGIN":
            if open_line is not None:
                raise AssignError(f"{module}.py:{number}: BEGIN SOLUTION inside the block opened at line {open_line}")
            open_line, open_indent = number, match["indent"]
            continue
        if open_line is None:
            raise AssignError(f"{module}.py:{number}: END SOLUTION without a BEGIN SOLUTION")
        if match["indent"] != open_indent:
            raise AssignError(f"{module}.py:{number}: END SOLUTION is not indented like its BEGIN (line {open_line})")
        holders = [name for first, last, name in spans if first < open_line <= last]
        if not holders:
            raise AssignError(f"{module}.py:{open_line}: a solution block must sit inside a function")
        innermost = max((s for s in spans if s[2] in holders), key=lambda s: s[0])[2]
        blocks.append(SolutionBlock(module, innermost, open_line, number))
        open_line = None
    if open_line is not None:
        raise AssignError(f"{module}.py:{open_line}: BEGIN SOLUTION is never closed")
    return blocks


def strip_solutions(source: str, module: str) -> str:
    """The student version of one module's source."""
    blocks = find_blocks(source, module)
    lines = source.splitlines(keepends=True)
    for block in reversed(blocks):
        indent = _MARKER.match(lines[block.begin - 1])["indent"]
        message = stub_message(block.function, module)
        lines[block.begin - 1 : block.end] = [f'{indent}raise NotImplementedError("{message}")\n']
    return "".join(lines)


def module_files(folder: Path) -> List[Path]:
    """The Python files of a kit package, sorted by name (caches and notes left out)."""
    return sorted(p for p in Path(folder).glob("*.py") if p.is_file())


def graded_functions(solutions_dir: Path = SOLUTIONS_DIR) -> Dict[str, List[str]]:
    """{module: [function, ...]} for every function that holds a solution block."""
    graded: Dict[str, List[str]] = {}
    for path in module_files(solutions_dir):
        names = []
        for block in find_blocks(path.read_text(encoding="utf-8"), path.stem):
            if block.function not in names:
                names.append(block.function)
        if names:
            graded[path.stem] = names
    return graded


def render(solutions_dir: Path = SOLUTIONS_DIR) -> Dict[str, str]:
    """{file name: student source} for every module of ``solutions_dir``."""
    return {
        path.name: strip_solutions(path.read_text(encoding="utf-8"), path.stem)
        for path in module_files(solutions_dir)
    }


def write_assignment(out_dir: Path = ASSIGNMENT_DIR, solutions_dir: Path = SOLUTIONS_DIR) -> List[str]:
    """Write the student copy into ``out_dir``, replacing what was there. Returns the file names."""
    files = render(solutions_dir)
    out_dir = Path(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=".assign-", dir=out_dir.parent))
    try:
        for name, text in files.items():
            with open(staging / name, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return sorted(files)


def differences(out_dir: Path = ASSIGNMENT_DIR, solutions_dir: Path = SOLUTIONS_DIR) -> List[str]:
    """How ``out_dir`` differs from what ``write_assignment`` would write (empty when in sync)."""
    expected = render(solutions_dir)
    present = {p.name for p in module_files(out_dir)} if Path(out_dir).is_dir() else set()
    problems = [f"missing: {name}" for name in sorted(set(expected) - present)]
    problems += [f"not generated from solutions/: {name}" for name in sorted(present - set(expected))]
    for name in sorted(set(expected) & present):
        actual = (Path(out_dir) / name).read_bytes().decode("utf-8")
        if actual != expected[name]:
            diff = difflib.unified_diff(
                expected[name].splitlines(), actual.splitlines(),
                f"expected/{name}", f"{Path(out_dir).name}/{name}", lineterm="", n=1,
            )
            problems.append(f"differs: {name}\n" + "\n".join(list(diff)[:40]))
    return problems
