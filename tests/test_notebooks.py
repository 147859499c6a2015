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


# Run first in every executed notebook (the tests only): plt.show then checks every figure it
# shows is readable at a glance, and prints "FIGURE PROBLEM: ..." for each gap it finds.
FIGURE_HOOK = r"""
import matplotlib.pyplot as _plt

_show = _plt.show


def _checked_show(*args, **kwargs):
    figure = _plt.gcf()
    axes = [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    where = suptitle or (axes[0].get_title() if axes else "a figure")
    if not any(ax.get_xlabel() for ax in axes):
        print(f"FIGURE PROBLEM: no x-axis label in {where!r}")
    if not any(ax.get_ylabel() for ax in axes):
        print(f"FIGURE PROBLEM: no y-axis label in {where!r}")
    for ax in axes:
        if not ax.get_title() and not suptitle:
            print(f"FIGURE PROBLEM: a panel without a title in {where!r}")
        labelled = [a for a in ax.lines + ax.containers if not a.get_label().startswith("_")]
        if len(ax.lines) + len(ax.containers) > 1 and ax.get_legend() is None and len(axes) == 1:
            print(f"FIGURE PROBLEM: several lines and no legend in {where!r}")
        if len(labelled) > 1 and ax.get_legend() is None:
            print(f"FIGURE PROBLEM: labelled lines and no legend in {ax.get_title() or where!r}")
    return _show(*args, **kwargs)


_plt.show = _checked_show
"""


def _execute(root, name, hook=False):
    nbformat, nbclient = _jupyter()
    nb = nbformat.read(str(root / "notebooks" / name), as_version=4)
    if hook:  # after the setup cell, which imports matplotlib
        nb.cells.insert(2, nbformat.v4.new_code_cell(FIGURE_HOOK))
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
@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """{notebook: (kit copy, executed notebook, error, seconds)}, run with the solutions."""
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        root = _kit_copy(tmp_path_factory.mktemp("notebooks"), with_solutions=True)
        _kernel_env(patch, root)
        for name in NOTEBOOK_NAMES:
            runs[name] = (root,) + _execute(root, name, hook=True)
    return runs


def _printed(nb):
    """Everything the notebook's code cells printed, in order."""
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.output_type == "stream")


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_runs_top_to_bottom_with_the_solutions(executed, name):
    root, nb, error, seconds = executed[name]
    assert error is None, f"{name} failed with the solutions:\n{error}"
    assert _imported_from(nb) == str(root / "assignment"), \
        f"{name} imported the student's code from {_imported_from(nb)}, not the copy"
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert seconds < BUDGET, f"{name} took {seconds:.0f} s"
    print(f"{name}: {seconds:.1f} s with the solutions at one BLAS thread")


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_every_figure_has_titles_labels_and_legends(executed, name):
    problems = re.findall(r"FIGURE PROBLEM: .*", _printed(executed[name][1]))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_the_grader_checks_in_the_notebook_pass_with_the_solutions(executed, name):
    nb = executed[name][1]
    calls = sum(len(re.findall(r"^check\(", c.source, re.M)) for c in nb.cells if c.cell_type == "code")
    assert calls >= 2, f"{name} should check work with checks.notebook.check"
    printed = _printed(nb)
    assert printed.count(": every check passed.") == calls, printed[-3000:]
    assert "FAIL " not in printed


def _numbers(pattern, text):
    found = re.findall(pattern, text)
    assert found, f"nothing printed matches {pattern!r}"
    return found


def test_bn_claim_batchnorm_wins_at_most_weight_scales(executed):
    (wins, scales, margin), = _numbers(r"higher at (\d+) of (\d+) weight scales; mean margin (\S+)\.",
                                       _printed(executed["BatchNormalization.ipynb"][1]))
    assert int(scales) == 16 and int(wins) >= 12 and float(margin) > 0.3


def test_bn_claim_biases_before_batchnorm_have_zero_gradients(executed):
    printed = _printed(executed["BatchNormalization.ipynb"][1])
    rows = _numbers(r"  (\w+) relative error: \S+, largest \|gradient\| (\S+)", printed)
    assert {name for name, _ in rows} >= {"b1", "b2", "b3", "W1", "gamma1", "beta2"}
    for name, largest in rows:
        if name in ("b1", "b2"):
            assert float(largest) < 1e-15, (name, largest)
        else:
            assert float(largest) > 1e-2, (name, largest)


def test_bn_claim_activations_vanish_explode_or_stay_normalized(executed):
    nb = executed["BatchNormalization.ipynb"][1]
    rows = _numbers(r"scale (\S+), (no BN|with BN): std of the ReLU input of layers 1 to 5: (.*)", _printed(nb))
    stds = {(float(scale), kind): [float(v) for v in values.split()] for scale, kind, values in rows}
    assert len(stds) == 6
    assert stds[0.001, "no BN"][-1] < 1e-6           # a spike at 0
    assert stds[0.5, "no BN"][-1] > 10               # exploded
    for (scale, kind), values in stds.items():
        if kind == "with BN":
            assert all(0.8 <= v <= 1.1 for v in values), (scale, values)
    histogram = next(c.source for c in nb.cells if "std of the ReLU input" in c.source)
    assert "sharex=True, sharey=True" in histogram   # the 30 panels are compared: one pair of axes


def test_bn_claim_batch_statistics_move_an_example_layer_norm_does_not(executed):
    rows = _numbers(r"batch size +(\d+): an example's normalized value moves by (\S+) with batch "
                    r"normalization, (\S+) with layer normalization", _printed(executed["BatchNormalization.ipynb"][1]))
    moved = {int(size): (float(bn), float(ln)) for size, bn, ln in rows}
    assert moved[5][0] > 0.3 and moved[200][0] < 0.1
    sizes = sorted(moved)
    assert all(moved[a][0] > moved[b][0] for a, b in zip(sizes, sizes[1:]))  # fewer batch-mates, more noise
    for size, (bn, ln) in moved.items():
        assert ln < 1e-12
        assert 0.5 < bn * size ** 0.5 < 1.5, (size, bn)  # about 1 / sqrt(batch size)


def test_fc_claim_the_net_overfits_50_digits(executed):
    (train, val), = _numbers(r"final training accuracy: (\S+)  best validation accuracy: (\S+)",
                             _printed(executed["FullyConnectedNets.ipynb"][1]))
    assert float(train) == 1.0 and float(val) < 0.7


def test_fc_claim_the_three_update_rules_beat_sgd_and_adam_leads(executed):
    rows = _numbers(r"(sgd|sgd_momentum|rmsprop|adam) +final train acc ([0-9.]+)",
                    _printed(executed["FullyConnectedNets.ipynb"][1]))
    final = {rule: float(acc) for rule, acc in rows}
    assert set(final) == {"sgd", "sgd_momentum", "rmsprop", "adam"}
    for rule in ("sgd_momentum", "rmsprop", "adam"):
        assert final[rule] > final["sgd"] + 0.2, final
    assert final["adam"] == max(final.values()), final


def test_dropout_claim_it_keeps_the_net_from_memorizing(executed):
    rows = _numbers(r"keep ratio (\S+): train acc (\S+), val acc (\S+), train loss (\S+), val loss (\S+)",
                    _printed(executed["Dropout.ipynb"][1]))
    runs = {float(keep): [float(v) for v in values] for keep, *values in rows}
    plain, dropout = runs[1.0], runs[0.2]
    assert plain[0] == dropout[0] == 1.0                    # both reach 100% training accuracy
    assert plain[2] < 0.005                                 # memorized: training loss about 0.001
    assert dropout[2] > 10 * plain[2]                       # more than ten times higher
    assert dropout[3] < plain[3]                            # lower validation loss
    assert abs(dropout[1] - plain[1]) <= 0.03               # validation accuracies within three points


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
