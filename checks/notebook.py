"""Check your work from a notebook with the grader's own checks.

    from checks.notebook import check
    check("affine_backward")

runs exactly the checks that ``python -m checks --only affine_backward`` runs, the same way: in
a worker process, with the grader's limits, on the assignment folder that the notebook
imports. It prints one line per check and the full feedback of the checks that failed, so the
notebook and your local grade never disagree. It returns the grader's report (as ``.report``;
a notebook shows nothing more for it, the verdict is printed already).

When the check of a backward pass fails, ``check`` also draws a heat map per gradient: where
your backward and the numerical gradient of your own forward disagree, on the check's own
inputs. A column pattern (a sum over the batch that is missing) or a single wrong entry shows
at a glance. The heat map needs matplotlib, which the notebooks have; the grader itself does
not.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from .grader import Grader, UsageError
from .probing import mount_package
from .gradient_check import eval_numerical_gradient_array
from .report import GradeReport
from .suite.common import BACKWARD_INPUTS
from .worker import Limits


# A gradient "agrees" when its largest gap is below AGREES times the size of the numerical
# gradients (at least 1): central differences of a float64 forward are good to about 1e-9.
AGREES = 1e-6


class Checked:
    """What ``check`` returns: the grader's report as ``.report``. A notebook displays nothing
    for it (``check`` has printed the verdict), where a bare report would repeat it."""

    def __init__(self, report: GradeReport):
        self.report = report
        self.passed = report.passed == len(report.results)

    def _ipython_display_(self):
        pass

    def __repr__(self):
        return f"<checks of {self.report.submission}: {self.report.score:g} / {self.report.max_score:g}>"


def assignment_folder() -> Path:
    """The folder of the ``assignment`` package this Python imports (the notebook's own)."""
    spec = importlib.util.find_spec("assignment")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("no package named 'assignment' can be imported here: run the notebook's "
                                  "setup cell first (it finds the kit's folder)")
    return Path(list(spec.submodule_search_locations)[0])


def check(name: str, folder: Optional[Path] = None, heat_map: bool = True) -> Checked:
    """Grade the checks of ``name`` (a function such as "affine_backward", a method such as
    "FullyConnectedNet.loss", a check's name, or a module such as "layers") and print the verdict.

    ``folder``: the assignment to grade (default: the one this notebook imports).
    ``heat_map``: draw where a failed backward's gradients are wrong (needs matplotlib).
    """
    if type(name) is not str or not name:
        raise TypeError(f"name should be the name of a graded function, such as 'affine_backward', not {name!r}")
    folder = Path(folder) if folder is not None else assignment_folder()
    try:
        grader = Grader(Limits(), only=name)
    except UsageError as error:
        raise ValueError(str(error)) from None
    report = grader.grade(folder)
    print(report.text(verbose=True))
    if report.passed == len(report.results):
        print(f"\n{name}: every check passed.")
    failed = sorted({r.function for r in report.results if not r.passed and r.function in BACKWARD_INPUTS})
    if heat_map:
        for backward in failed:
            draw_disagreement(backward, folder)
    return Checked(report)


def _load(folder: Path, module: str):
    """``module`` of the assignment in ``folder``: the notebook's own ``assignment`` package, or
    the folder loaded as a package of its own (its modules import each other relatively)."""
    if folder.resolve() == assignment_folder().resolve():
        return importlib.import_module(f"assignment.{module}")
    package = "_checked_" + hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    if package not in sys.modules:
        mount_package(package, folder)
    return importlib.import_module(f"{package}.{module}")


def disagreement(backward: str, folder: Optional[Path] = None) -> Dict[str, Any]:
    """{input name: |your gradient - the numerical gradient of your forward|}, on the inputs of
    ``backward``'s check, each shaped like its input; a gradient of another shape is given as
    the text that says so. Raises what your code raises."""
    if backward not in BACKWARD_INPUTS:
        raise ValueError(f"{backward!r} is not a backward pass with a heat map; choose one of: "
                         f"{', '.join(sorted(BACKWARD_INPUTS))}")
    inputs = BACKWARD_INPUTS[backward]
    module = _load(Path(folder) if folder is not None else assignment_folder(), inputs.module)
    forward, backward_fn = getattr(module, inputs.forward), getattr(module, backward)
    values = inputs.arrays()
    dout = values.pop("dout")
    names = list(values)
    _, cache = forward(*values.values(), *inputs.extra())
    grads = backward_fn(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    found: Dict[str, Any] = {}
    for name, grad in zip(names, grads):
        grad = np.asarray(grad, dtype=float)
        if grad.shape != values[name].shape:  # the feedback says so; nothing to compare entry by entry
            found[name] = f"shape {grad.shape}, should be {values[name].shape}"
            continue

        def output(changed, name=name):
            return forward(*[changed if n == name else values[n] for n in names], *inputs.extra())[0]

        numeric = eval_numerical_gradient_array(output, values[name], dout)
        found[name] = np.abs(grad - numeric)
        found[name + " size"] = float(np.max(np.abs(numeric)))
    return found


def draw_disagreement(backward: str, folder: Optional[Path] = None):
    """Draw ``disagreement(backward)`` as one heat map per gradient; returns the figure."""
    import matplotlib.pyplot as plt

    try:
        gaps = disagreement(backward, folder)
    except Exception as error:  # the forward or backward raises: the feedback above says so
        print(f"(no heat map: {backward} raised {type(error).__name__}: {error})")
        return None
    panels = {name: gap for name, gap in gaps.items() if not name.endswith(" size")}
    sizes = [gaps[name + " size"] for name in panels if name + " size" in gaps]
    floor = AGREES * max([1.0] + sizes)
    # one colour scale for every panel, never finer than rounding: a gradient that agrees stays dark
    top = max([10 * floor] + [float(gap.max()) for gap in panels.values() if not isinstance(gap, str)])
    figure, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
    for ax, (name, gap) in zip(axes[0], panels.items()):
        if isinstance(gap, str):  # a gradient of the wrong shape: the feedback above says which
            ax.set_title(f"d{name}: not compared")
            ax.text(0.5, 0.5, gap, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        grid = gap.reshape(gap.shape[0], -1) if gap.ndim > 1 else gap.reshape(1, -1)
        shown = ax.imshow(grid, cmap="magma", aspect="auto", vmin=0, vmax=top)
        verdict = "agrees" if gap.max() <= floor else f"max {gap.max():.2g}"
        ax.set_title(f"d{name}: |yours - numerical| ({verdict})")
        ax.set_xlabel("entry" if gap.ndim == 1 else "column (later axes flattened)")
        if gap.ndim == 1:
            ax.set_yticks([])
        else:
            ax.set_ylabel("row (first axis)")
            if grid.shape[0] <= 20:
                ax.set_yticks(range(grid.shape[0]))
        figure.colorbar(shown, ax=ax)
    figure.suptitle(f"{backward}: where your gradients disagree with the numerical ones")
    figure.tight_layout()
    plt.show()
    return figure
