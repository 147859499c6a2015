"""The assignment's layout, listed once: the graded modules and where their checks live.

Everything else derives from this table. The grader and the intake recognize a submission by
these file names (``layers.py``, ...); the suite loads the check module of each one, in this
order, which is the order of the report; the mistake library imports the module named after
each graded module (``checks/instructor/mistakes/bn_layers.py``); the hidden checks load theirs
after the cross-cutting ones. The graded *functions* are not typed here: a function is graded when a
check names it, and ``tests/test_layout.py`` proves that every function holding an answer
block in ``solutions/`` has a check, and every check grades a function with a block.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Tuple


@dataclass(frozen=True)
class GradedModule:
    """One graded module of the assignment."""

    name: str  # the file stem in solutions/, assignment/ and a submission: "bn_layers"
    checks: str  # its check module in checks/suite/ (and checks/instructor/hidden/, if any): "bn"


GRADED_MODULES: Tuple[GradedModule, ...] = (
    GradedModule("layers", "layers"),
    GradedModule("dropout_layers", "dropout"),
    GradedModule("bn_layers", "bn"),
    GradedModule("fc_net", "fc_net"),
    GradedModule("updater", "updater"),
)

# The graded modules' file stems, in report order.
MODULE_FILES: Tuple[str, ...] = tuple(module.name for module in GRADED_MODULES)

# The check modules of checks/suite, in the same order.
CHECK_MODULES: Tuple[str, ...] = tuple(module.checks for module in GRADED_MODULES)

# The subpackage of checks/ that holds the instructor's tools (assign, fixtures, release,
# gradescope, batch, the hidden checks, the known mistakes). The student release leaves it out,
# and a copy of the grader is the student's copy exactly when this folder is absent.
INSTRUCTOR_PACKAGE = "instructor"
INSTRUCTOR_DIR = Path(__file__).resolve().parent / INSTRUCTOR_PACKAGE

# Hidden check modules that cover every graded module at once (dtypes, for example); they are
# listed before the per-module ones.
HIDDEN_CROSS_MODULES: Tuple[str, ...] = ("dtypes",)
