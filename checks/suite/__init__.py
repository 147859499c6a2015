"""The registry of checks: one list that the text report, the JSON and the packaging all read.

Each module of this package covers one module of the assignment and exports ``CHECKS``, a
list of ``Check``. A check has a *probe* (it runs in the student's worker, calls the
submission's functions on fixed inputs and returns what they gave back) and a *judge* (it
runs in the grading process, validates what came back and compares it with the same probe's
output on the reference solutions). Checks are named after the function they grade, plus the
behaviour when a function has several (``batchnorm_forward: running statistics``).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from ..layout import CHECK_MODULES, INSTRUCTOR_DIR, INSTRUCTOR_PACKAGE

PUBLIC_POINTS = 100


@dataclass(frozen=True)
class Check:
    """One graded behaviour.

    - ``name``: unique, starts with the function's name (``relu_backward``).
    - ``function``: the graded function (``relu_backward``, ``FullyConnectedNet.loss``).
    - ``module``: the assignment module that defines it (``layers``).
    - ``points``: what the check is worth.
    - ``probe(sub) -> tree``: runs in the worker; ``sub.layers`` is the submission's module.
    - ``judge(got, want)``: runs in the grader; raises ``compare.Failed`` with feedback.
    - ``matches(got, signature) -> bool``: whether a failing submission behaves like a known
      mistake whose probe output is ``signature``; by default, the judge passes against it.
    - ``hidden``: instructor-only checks (not part of the public 100 points).
    """

    name: str
    function: str
    module: str
    points: float
    probe: Callable[[Any], Any]
    judge: Callable[[Any, Any], None]
    matches: Optional[Callable[[Any, Any], bool]] = None
    hidden: bool = False
    what: str = ""  # one line: what the check compares, shown with failures


def _load(name: str):
    return importlib.import_module(f"{__name__}.{name}")


def hidden_checks() -> List[Check]:
    """The instructor's hidden checks (``checks/instructor/hidden``), or none where it is absent.

    The student release leaves the instructor's folder out, and then there are none. Every
    check it lists must be marked ``hidden=True``, so that it never counts in the public 100.
    """
    grader = __name__.rsplit(".", 1)[0]
    if not (INSTRUCTOR_DIR / "hidden").is_dir():
        return []
    package = importlib.import_module(f"{grader}.{INSTRUCTOR_PACKAGE}.hidden")
    checks = list(package.all_checks())
    public = [c.name for c in checks if not c.hidden]
    if public:
        raise RuntimeError(f"checks of the hidden package must be marked hidden=True: {public}")
    return checks


def wirings() -> Dict[str, Callable[[Any], List[Dict[str, Callable]]]]:
    """Check name -> the wirings of that composite from the submission's own parts, or none.

    They live in ``checks/instructor/wiring.py`` (they are the composites' answers), so the
    student's copy has none and judges composites against the reference alone.
    """
    if not (INSTRUCTOR_DIR / "wiring.py").is_file():
        return {}
    grader = __name__.rsplit(".", 1)[0]
    return dict(importlib.import_module(f"{grader}.{INSTRUCTOR_PACKAGE}.wiring").PARTS)


def all_checks(include_hidden: bool = False) -> List[Check]:
    checks: List[Check] = []
    for name in CHECK_MODULES:
        checks.extend(getattr(_load(name), "CHECKS", []))
    if include_hidden:
        checks.extend(hidden_checks())
    names = [check.name for check in checks]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuntimeError(f"check names must be unique: {sorted(duplicates)}")
    return [c for c in checks if include_hidden or not c.hidden]


def all_probes() -> Dict[str, Callable[[Any], Any]]:
    """Probe of every check (hidden ones included) by check name (used in the worker)."""
    return {check.name: check.probe for check in all_checks(include_hidden=True)}
