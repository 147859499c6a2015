"""The instructor's hidden checks: worth their own points on top of the public 100.

Students never see this package: the student release leaves it out, and so do the reference
values of its checks, which ``python -m checks fixtures`` stores apart from the public ones
(``checks/fixtures/hidden.bin``). ``python -m checks grade DIR --hidden`` includes them, and
their results carry Gradescope's ``visibility: after_published``.

Each module of this package exports ``CHECKS`` like the modules of ``checks/suite``, every
check marked ``hidden=True``; the registry (``checks.suite.all_checks(include_hidden=True)``)
appends them after the public ones. A hidden check probes behaviour the public checks leave
alone: dtypes, edge-case batch sizes, deeper nets, longer runs.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import List

from ...layout import CHECK_MODULES, HIDDEN_CROSS_MODULES

# The cross-cutting modules first, then one per graded module that has hidden checks.
MODULES = HIDDEN_CROSS_MODULES + tuple(
    name for name in CHECK_MODULES if (Path(__file__).parent / f"{name}.py").is_file())



def all_checks() -> List:
    checks: List = []
    for name in MODULES:
        checks.extend(importlib.import_module(f"{__name__}.{name}").CHECKS)
    return checks
