"""Generate the student copy (``assignment/``) from the reference code (``solutions/``).

Every answer in ``solutions/`` sits between two marker lines::

    # BEGIN SOLUTION
    out = np.maximum(0, x)
    # END SOLUTION

``strip_solutions`` replaces each such block, markers included, with a stub indented like the
block, in cs231n's style::

    out, cache = None, None
    raise NotImplementedError("relu_forward is not implemented yet (assignment/layers.py)")

The first line binds the names that the given code after the block reads and that only the
block assigns (``stub_names``), so that the student copy names only defined values and lints
clean; a block whose given code needs no such name gets the ``raise`` line alone. A value the
given code reads before the block for the answer alone (``eps``) is named in a line ``_ = eps``
before them (``given_for_answer``). Imports that
only the answers use stay imported (a student's ``np.maximum`` must work), and one line after
the imports keeps them in use while the blocks are empty (``_answer_imports``). Everything else
(docstrings, the TODO comments above the block, given code) is copied unchanged. Only ``.py``
files are copied: notes kept beside the solutions (the instructor's answers, for example) never
reach the student copy.
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

KIT_ROOT = Path(__file__).resolve().parents[2]
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


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _parameters(args: ast.arguments) -> List[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return [a.arg for a in every]


def _scope_events(function: ast.AST) -> List[tuple]:
    """``(line, column, name, kind)`` for the names of one function's own scope, in source order.

    ``kind`` is ``"store"`` for a binding of the function's scope (an assignment target, a
    ``for`` or ``with`` target, an import, a nested ``def`` or ``class``, an ``except ... as``)
    and ``"load"`` for a read (``del`` and ``+=`` read too). Reads inside nested functions,
    lambdas, classes and comprehensions count (a closure reads the enclosing scope); their own
    bindings and parameters do not. Attributes (``self.x``) are not names.
    """
    events: List[tuple] = []

    def nested_reads(scope: ast.AST) -> None:
        own = set()
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            own.update(_parameters(scope.args))
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not scope:
                own.add(node.name)
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store) and node.id not in own:
                events.append((node.lineno, node.col_offset, node.id, "load"))

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            # Decorators, defaults and bases run in this scope; the body is a scope of its own.
            outer = list(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                outer += node.bases + [k.value for k in node.keywords]
            else:
                outer += node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
            for child in outer:
                visit(child)
            nested_reads(node)
            events.append((node.lineno, node.col_offset, node.name, "store"))
            return
        if isinstance(node, _SCOPES):
            nested_reads(node)
            return
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            events.append((node.lineno, node.col_offset, node.target.id, "load"))
        if isinstance(node, ast.Name):
            kind = "store" if isinstance(node.ctx, ast.Store) else "load"
            events.append((node.lineno, node.col_offset, node.id, kind))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                events.append((node.lineno, node.col_offset, name, "store"))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            events.append((node.lineno, node.col_offset, node.name, "store"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in function.body:
        visit(statement)
    return sorted(events)


def _functions_by_name(tree: ast.AST) -> Dict[str, ast.AST]:
    """{qualified name: node} for every function, with the names ``find_blocks`` gives."""
    found: Dict[str, ast.AST] = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.setdefault(prefix + child.name, child)
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _loop_headers_and_bodies(function: ast.AST, block: SolutionBlock) -> List[tuple]:
    """(first, last) lines of the code of each loop around ``block`` that runs again after it:
    the loop's body (and a ``while`` test), from its start up to the block."""
    ranges = []
    for node in ast.walk(function):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and node.lineno < block.begin <= node.end_lineno:
            first = node.lineno if isinstance(node, ast.While) else node.body[0].lineno
            ranges.append((first, block.begin - 1))
    return ranges


def stub_names(source: str, module: str) -> Dict[SolutionBlock, List[str]]:
    """{block: names its stub binds to None} for every block of one module.

    A stub binds the names that the given code after its block reads (in the same function,
    closures included, and in a loop around the block, the code that runs again after it) and
    that only the block assigns: names bound by the given code before the block, by the
    function's parameters or by an earlier stub are defined already. Code inside other blocks
    is answer code, absent from the student copy, so it neither reads nor binds. The names come
    in the order of their first read, as in cs231n's ``out, cache = None, None``.
    """
    blocks = find_blocks(source, module)
    functions = _functions_by_name(ast.parse(source))
    names: Dict[SolutionBlock, List[str]] = {}
    for function_name in dict.fromkeys(b.function for b in blocks):
        function = functions[function_name]
        own = [b for b in blocks if b.function == function_name]
        events = _scope_events(function)

        def inside(line, block):
            return block.begin < line < block.end

        given = [e for e in events if not any(inside(e[0], b) for b in own)]
        bound_by_stubs = set()
        for block in own:
            assigned = {e[2] for e in events if inside(e[0], block) and e[3] == "store"}
            defined = set(_parameters(function.args)) | bound_by_stubs
            defined |= {e[2] for e in given if e[0] < block.begin and e[3] == "store"}
            again = _loop_headers_and_bodies(function, block)
            reads = [e for e in given if e[3] == "load"
                     and (e[0] > block.end or any(first <= e[0] <= last for first, last in again))]
            reads.sort(key=lambda e: (e[0] < block.begin, e[0], e[1]))  # after the block first
            needed = [e[2] for e in reads if e[2] in assigned and e[2] not in defined]
            names[block] = list(dict.fromkeys(needed))
            bound_by_stubs.update(names[block])
    return names


def given_for_answer(source: str, module: str) -> Dict[SolutionBlock, List[str]]:
    """{block: names the given code binds for the answer alone} for every block of one module.

    cs231n's given code reads values for the student before the TODO (``eps =
    ln_param.get('eps', 1e-5)``) that only the answer uses. With the block empty nothing reads
    them, and pyflakes would report an unused local in code the student did not write; the stub
    names them in one harmless line, ``_ = eps``, which a student may keep or delete.
    """
    blocks = find_blocks(source, module)
    functions = _functions_by_name(ast.parse(source))
    names: Dict[SolutionBlock, List[str]] = {}
    for block in blocks:
        function = functions[block.function]
        events = _scope_events(function)
        inside = [e for e in events if block.begin < e[0] < block.end]
        outside = [e for e in events if not any(b.begin < e[0] < b.end for b in blocks)]
        given = {e[2] for e in outside if e[0] < block.begin and e[3] == "store"}
        read_by_given = {e[2] for e in outside if e[3] == "load"}
        read_here = [e[2] for e in sorted(inside, key=lambda e: (e[0], e[1])) if e[3] == "load"]
        names[block] = [n for n in dict.fromkeys(read_here)
                        if n in given and n not in read_by_given and n not in _parameters(function.args)]
    return names


def _stub_lines(indent: str, names: List[str], message: str, given: List[str] = ()) -> List[str]:
    lines = []
    if given:
        lines.append(f"{indent}_ = {', '.join(given)}  # given above for your code\n")
    if names:
        nones = ", ".join("None" for _ in names)
        lines.append(f"{indent}{', '.join(names)} = {nones}\n")
    lines.append(f'{indent}raise NotImplementedError("{message}")\n')
    return lines


ANSWER_IMPORTS = "_ANSWER_IMPORTS"


def _answer_imports(source: str) -> str:
    """``source`` with one line after its imports that uses the imported names nothing else uses.

    The names the answers use (``np``, ``affine_forward``) stay imported in the student copy, so
    that a student's ``np.maximum`` or a block filled as in ``solutions/`` works as it stands; with
    the blocks empty nothing reads them, and pyflakes would call the imports unused. The line
    says what they are for and keeps them in use.
    """
    tree = ast.parse(source)
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
               and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
    if not imports:
        return source
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
    unused = []
    for statement in imports:
        for alias in statement.names:
            name = alias.asname or alias.name.split(".")[0]
            if name != "*" and name not in read and name not in unused:
                unused.append(name)
    if not unused:
        return source
    line = f"{ANSWER_IMPORTS} = ("
    wrapped, width = [], 100
    for name in unused:
        piece = name + ", "
        if len(line) + len(piece.rstrip()) + 1 > width and line.strip() != f"{ANSWER_IMPORTS} = (":
            wrapped.append(line.rstrip())
            line = " " * len(f"{ANSWER_IMPORTS} = (")
        line += piece
    line = line.rstrip().rstrip(",")
    wrapped.append(line + ("," if len(unused) == 1 else "") + ")")
    text = ["\n", "# Imported for the answers in the TODO blocks below; this line keeps them in use\n",
            "# while the blocks are empty.\n"] + [w + "\n" for w in wrapped]
    lines = source.splitlines(keepends=True)
    last = max(n.end_lineno for n in imports)
    return "".join(lines[:last] + text + lines[last:])


def strip_solutions(source: str, module: str) -> str:
    """The student version of one module's source."""
    blocks = find_blocks(source, module)
    names = stub_names(source, module)
    given = given_for_answer(source, module)
    lines = source.splitlines(keepends=True)
    for block in reversed(blocks):
        indent = _MARKER.match(lines[block.begin - 1])["indent"]
        message = stub_message(block.function, module)
        lines[block.begin - 1 : block.end] = _stub_lines(indent, names[block], message, given[block])
    return _answer_imports("".join(lines))


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
