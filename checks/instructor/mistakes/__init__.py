"""The library of known mistakes: small buggy variants of the reference solutions.

Each mistake is a function written as a student would write it, with one bug, registered
with ``@mistake(target, title, hint)`` in the module of this package named after the
assignment module it patches (``mistakes/layers.py`` patches ``layers.py``). ``target`` is
the function it replaces (``relu_backward``) or a method (``FullyConnectedNet.loss``).

A *variant* is a copy of ``solutions/`` with that one function replaced: the mistake's source
is appended to the module and bound to the target's name, so the module's other functions
call the buggy one too. Its *signature* is what the checks' probes return on it. The grader
recognizes a mistake by behaviour only: a failing submission whose output on a check matches
a mistake's signature gets the mistake's title and hint in its feedback.

This package never ships to students; the signatures (numbers) may, in ``checks/fixtures``.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import shutil
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from ... import probing
from ...layout import MODULE_FILES



@dataclass(frozen=True)
class Mistake:
    id: str  # the variant function's name, unique
    module: str  # the assignment module it patches
    target: str  # "relu_backward" or "FullyConnectedNet.loss"
    title: str  # what the mistake is, in a few words
    hint: str  # how to fix it
    source: str  # the variant's source, bound to the target when appended


_REGISTRY: List[Mistake] = []


def mistake(target: str, title: str, hint: str) -> Callable:
    """Register the decorated function as a known mistake of ``target``."""

    def register(function: Callable) -> Callable:
        module = function.__module__.rsplit(".", 1)[-1]
        source = textwrap.dedent(inspect.getsource(function))
        tree = ast.parse(source)
        definition = tree.body[0]
        definition.decorator_list = []
        body = ast.get_source_segment(source, definition) or source
        start = body.index("def ")
        body = body[start:]
        _REGISTRY.append(Mistake(function.__name__, module, target, title, hint, body))
        return function

    return register


def mistake_edit(target: str, title: str, hint: str, id: str, edits: List[tuple],  # noqa: A002
                 module: str = "") -> None:
    """Register a mistake written as edits of the reference's own ``target`` function.

    ``edits`` is a list of ``(old, new)`` pairs applied to the reference's source (dedented);
    each ``old`` must occur exactly once, so a variant whose reference changed under it fails
    loudly instead of drifting. Use it where the buggy variant differs from a long reference
    function in a line or two (the network's methods), so the variant stays "the solution
    with one bug" without copying the solution.
    """
    module = module or sys._getframe(1).f_globals["__name__"].rsplit(".", 1)[-1]
    source = _reference_source(module, target)
    for old, new in edits:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"mistake {id}: {old!r} occurs {count} times in the reference {target}, not once")
        source = source.replace(old, new)
    name = target.split(".")[-1]
    source = source.replace(f"def {name}(", f"def {id}(", 1)
    _REGISTRY.append(Mistake(id, module, target, title, hint, source))


def _reference_source(module: str, target: str) -> str:
    """The dedented source of ``target`` (``name`` or ``Class.method``) in solutions/<module>.py."""
    path = Path(__file__).resolve().parents[3] / "solutions" / f"{module}.py"
    text = path.read_text(encoding="utf-8")
    nodes = ast.parse(text).body
    for part in target.split("."):
        node = next(n for n in nodes if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part)
        nodes = node.body
    lines = text.splitlines(keepends=True)[node.lineno - 1 : node.end_lineno]
    return textwrap.dedent("".join(lines))


def all_mistakes() -> List[Mistake]:
    if not _REGISTRY:
        for name in MODULE_FILES:
            importlib.import_module(f"{__name__}.{name}")
    ids = [m.id for m in _REGISTRY]
    assert len(ids) == len(set(ids)), "mistake ids must be unique"
    return list(_REGISTRY)


def patch_text(m: Mistake) -> str:
    """The lines appended to the module to turn the solution into the variant."""
    name = f"_known_mistake_{m.id}"
    body = m.source.replace(f"def {m.id}(", f"def {name}(", 1)
    if "." in m.target:
        owner, attribute = m.target.split(".")
        bind = f"{owner}.{attribute} = {name}\n"
    else:
        bind = f"{m.target} = {name}\n"
    return f"\n\n# --- known mistake: {m.title}\n{body.rstrip()}\n\n\n{bind}"


def build_variant(m: Mistake, solutions_dir: Path, out_dir: Path) -> Path:
    """Write the variant of ``m`` as a package folder in ``out_dir`` (a submission layout)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(solutions_dir).glob("*.py")):
        shutil.copy(path, out_dir / path.name)
    with open(out_dir / f"{m.module}.py", "a", encoding="utf-8") as handle:
        handle.write(patch_text(m))
    return out_dir


def checks_for(m: Mistake, checks) -> list:
    """The checks whose function is the mistake's target (the ones its signature is for)."""
    return [c for c in checks if c.function == m.target]


def compute_signatures(input_seed: Optional[int] = None) -> Dict[str, List[Dict[str, Any]]]:
    """{check name: [{"id", "title", "hint", "tree" | "error"}, ...]} for every mistake, on the
    inputs of ``input_seed`` (None: the public inputs)."""
    from ...reference import run_probe
    from ...suite import all_checks

    solutions = Path(importlib.import_module("solutions").__file__).parent
    checks = all_checks(include_hidden=True)
    signatures: Dict[str, List[Dict[str, Any]]] = {}
    reference: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="kit-mistakes-") as tmp:
        for number, m in enumerate(all_mistakes()):
            package = f"_kit_variant_{number}"
            build_variant(m, solutions, Path(tmp) / package)
            probing.mount_package(package, Path(tmp) / package)
            try:
                for check in checks_for(m, checks):
                    entry = {"id": m.id, "title": m.title, "hint": m.hint}
                    entry.update(run_probe(check, package, input_seed))
                    if "tree" in entry and _passes(check, entry["tree"], reference, input_seed):
                        continue  # the mistake does not show in this check: no signature
                    signatures.setdefault(check.name, []).append(entry)
            finally:
                probing.forget_package(package)
    return signatures


def _passes(check, tree, reference: Dict[str, Any], input_seed: Optional[int]) -> bool:
    """Whether a variant's output passes ``check`` against the reference (cached per check)."""
    from ...compare import Failed
    from ...reference import run_probe

    if check.name not in reference:
        reference[check.name] = run_probe(check, "solutions", input_seed)
    want = reference[check.name]
    if "tree" not in want:
        return False
    try:
        with probing.using_inputs(input_seed):
            check.judge(tree, want["tree"])
    except Failed:
        return False
    except Exception:
        return False
    return True
