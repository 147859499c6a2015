"""The notebooks run top to bottom, stop cleanly on the student's first stub, and the
Batch Normalization figure's numbers say what the README says.

These tests need nbclient, nbformat, ipykernel and matplotlib (the `notebooks` extra, part
of `test`): without them they FAIL, they never skip.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
NOTEBOOK_NAMES = ["FullyConnectedNets.ipynb", "BatchNormalization.ipynb", "Dropout.ipynb"]
TIMEOUT = 300          # per cell, seconds (nbclient's timeout)
BUDGET = 300           # per notebook, whole run, seconds (the goal on a 2-core machine: 180)
FIGURE_JSON = os.path.join(ROOT, "docs", "bn_weight_scale.json")
FIGURE_PNG = os.path.join(ROOT, "docs", "bn_weight_scale.png")


def _jupyter():
    """nbformat and nbclient, or a failure that says how to install them (never a skip)."""
    try:
        import ipykernel  # noqa: F401
        import matplotlib  # noqa: F401
        import nbclient
        import nbformat
    except ImportError as error:
        pytest.fail(f"the notebook tests need the kit's `notebooks` extra ({error}); "
                    'install it with pip install -e ".[test]"', pytrace=False)
    return nbformat, nbclient


def _kit_copy(tmp_path, with_solutions):
    """A copy of the kit in tmp_path: checks/ and notebooks/, and assignment/ holding
    either the solutions' files or the untouched student copy."""
    root = tmp_path / "kit"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for folder in ("checks", "notebooks"):
        shutil.copytree(os.path.join(ROOT, folder), root / folder, ignore=ignore)
    source = "solutions" if with_solutions else "assignment"
    shutil.copytree(os.path.join(ROOT, source), root / "assignment", ignore=ignore)
    return root


def _kernel_env(monkeypatch, root):
    """The kernel inherits this process's environment: point it at the copy. PYTHONPATH
    puts the copy ahead of an editable install of the kit, and the notebooks' setup cell
    (DL_KIT_ROOT) puts it first on sys.path again."""
    monkeypatch.setenv("DL_KIT_ROOT", str(root))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "1")


def _execute(root, name):
    nbformat, nbclient = _jupyter()
    nb = nbformat.read(str(root / "notebooks" / name), as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(root / "notebooks")}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        error = exc
    return nb, error, time.perf_counter() - start


def _imported_from(nb):
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            match = re.search(r"Your code is imported from (\S+)", output.get("text", ""))
            if match:
                return match.group(1)
    return None


# ------------------------------------------------------------------------------------------
# The notebooks as stored
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_is_stored_without_outputs(name):
    nbformat, _ = _jupyter()
    nb = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: cell {index} has outputs"
            assert cell.execution_count is None, f"{name}: cell {index} has an execution count"


def test_notebooks_match_their_sources():
    _jupyter()
    result = subprocess.run([sys.executable, os.path.join(NOTEBOOKS, "build_notebooks.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------------------------------
# Executed with the solutions standing in for the student's code
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_runs_top_to_bottom_with_the_solutions(tmp_path, monkeypatch, name):
    root = _kit_copy(tmp_path, with_solutions=True)
    _kernel_env(monkeypatch, root)
    nb, error, seconds = _execute(root, name)
    assert error is None, f"{name} failed with the solutions:\n{error}"
    assert _imported_from(nb) == str(root / "assignment"), \
        f"{name} imported the student's code from {_imported_from(nb)}, not the copy"
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert seconds < BUDGET, f"{name} took {seconds:.0f} s"


# ------------------------------------------------------------------------------------------
# Executed against the untouched student copy
# ------------------------------------------------------------------------------------------
def test_batchnorm_notebook_stops_at_the_first_stub(tmp_path, monkeypatch):
    root = _kit_copy(tmp_path, with_solutions=False)
    _kernel_env(monkeypatch, root)
    nb, error, _ = _execute(root, "BatchNormalization.ipynb")
    assert error is not None, "the notebook ran to the end on the untouched assignment/"
    assert error.ename == "NotImplementedError"
    assert "is not implemented yet" in error.evalue
    assert "batchnorm_forward is not implemented yet (assignment/bn_layers.py)" in error.evalue
    assert _imported_from(nb) == str(root / "assignment")
    # Every cell before the failing one ran cleanly (setup, data), nothing after it ran.
    code = [c for c in nb.cells if c.cell_type == "code"]
    failing = [i for i, c in enumerate(code)
               if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert len(failing) == 1
    assert all(c.execution_count is not None for c in code[:failing[0]])
    assert all(c.execution_count is None for c in code[failing[0] + 1:])


# ------------------------------------------------------------------------------------------
# The weight-scale experiment (the README's 4x4 figure)
# ------------------------------------------------------------------------------------------
def _run_figure_command(tmp_path):
    _jupyter()
    out, numbers = tmp_path / "figure.png", tmp_path / "figure.json"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, os.path.join(NOTEBOOKS, "bn_figure.py"), "--quiet",
         "--out", str(out), "--json", str(numbers)],
        capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.stat().st_size > 10_000
    with open(numbers) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def fresh_figure(tmp_path_factory):
    return _run_figure_command(tmp_path_factory.mktemp("figure"))


def test_batchnorm_wins_at_most_weight_scales(fresh_figure):
    summary = fresh_figure["summary"]
    runs = fresh_figure["runs"]
    assert len(runs) == 16
    assert fresh_figure["package"] == "solutions"
    for run in runs:
        for name in ("baseline", "batchnorm"):
            assert len(run[name]["train_acc"]) == 21    # epoch 0 and 20 epochs
    # The headline: with BN the final training accuracy is higher at most of the scales.
    assert summary["bn_wins"] >= 12, summary
    assert summary["mean_margin"] > 0.3, summary
    # Diverged runs are recorded at chance accuracy, and the experiment went on.
    for run in runs:
        for name in ("baseline", "batchnorm"):
            if run[name]["diverged"]:
                assert run[name]["train_acc"][-1] == pytest.approx(0.1)


def test_stored_figure_numbers_are_fresh(fresh_figure):
    """docs/bn_weight_scale.json (what the README quotes) was made by the current command
    and agrees with a fresh run."""
    assert os.path.isfile(FIGURE_PNG), "run python notebooks/bn_figure.py"
    with open(FIGURE_JSON) as f:
        stored = json.load(f)
    assert stored["config"] == fresh_figure["config"], \
        "the experiment changed: run python notebooks/bn_figure.py"
    assert stored["package"] == "solutions"
    assert abs(stored["summary"]["bn_wins"] - fresh_figure["summary"]["bn_wins"]) <= 1
    assert abs(stored["summary"]["mean_margin"] - fresh_figure["summary"]["mean_margin"]) < 0.05
