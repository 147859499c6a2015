"""What the notebooks stand on: checks.notebook.check (the grader's own checks, in a worker),
the Colab part of the setup cell, and the prose about given code."""
import importlib.util
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


# --------------------------------------------------------------------------- checks.notebook.check
def _cli_lines(folder, only):
    done = subprocess.run([sys.executable, "-m", "checks", "grade", str(folder), "--only", only, "-v"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if not line.startswith("Total:")]


@pytest.mark.parametrize("variant", ["solutions", "affine_backward_mean_db"])
def test_check_prints_what_the_grader_prints_for_only(variant, tmp_path, capsys):
    """The notebook's verdict is the local grade's, line for line."""
    from checks.instructor.mistakes import all_mistakes, build_variant
    from checks.notebook import check

    folder = ROOT / "solutions"
    if variant != "solutions":
        folder = build_variant(next(m for m in all_mistakes() if m.id == variant), folder, tmp_path / "sub")
    checked = check("affine_backward", folder=folder, heat_map=False)
    report = checked.report
    assert checked._ipython_display_() is None and len(repr(checked)) < 200  # no second copy of the verdict
    printed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("Total:")]
    assert printed[:len(_cli_lines(folder, "affine_backward"))] == _cli_lines(folder, "affine_backward")
    assert (report.score == report.max_score) == (variant == "solutions")
    if variant == "solutions":
        assert "affine_backward: every check passed." in printed
    else:
        assert any("known mistake" in line for line in printed)


def test_a_failed_backward_gets_a_heat_map_of_where_it_is_wrong(tmp_path, capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from checks.instructor.mistakes import all_mistakes, build_variant
    from checks.notebook import check, disagreement

    mistake = next(m for m in all_mistakes() if m.id == "affine_backward_mean_db")
    folder = build_variant(mistake, ROOT / "solutions", tmp_path / "sub")
    gaps = disagreement("affine_backward", folder)
    assert {k for k in gaps if not k.endswith(" size")} == {"x", "w", "b"}
    assert gaps["x"].max() < 1e-6 and gaps["w"].max() < 1e-6  # right
    assert gaps["b"].min() > 1e-2                               # wrong at every entry (averaged, not summed)
    plt.close("all")
    shown = []
    original, plt.show = plt.show, lambda: shown.append(plt.gcf())
    try:
        check("affine_backward", folder=folder)
    finally:
        plt.show = original
    assert len(shown) == 1
    titles = [ax.get_title() for ax in shown[0].axes if ax.get_title()]
    assert titles[:3] == ["dx: |yours - numerical| (agrees)", "dw: |yours - numerical| (agrees)",
                          titles[2]] and titles[2].startswith("db: |yours - numerical| (max ")
    assert "affine_backward" in shown[0]._suptitle.get_text()
    plt.close("all")


def test_a_gradient_of_the_wrong_shape_is_not_drawn_as_values(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from checks.instructor.mistakes import all_mistakes, build_variant
    from checks.notebook import draw_disagreement

    mistake = next(m for m in all_mistakes() if m.id == "affine_backward_flat_dx")
    folder = build_variant(mistake, ROOT / "solutions", tmp_path / "sub")
    original, plt.show = plt.show, lambda: None
    try:
        figure = draw_disagreement("affine_backward", folder)
    finally:
        plt.show = original
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles[0] == "dx: not compared"
    assert titles[1:] == ["dw: |yours - numerical| (agrees)", "db: |yours - numerical| (agrees)"]
    assert "shape (3, 40), should be (3, 2, 4, 5)" in [t.get_text() for t in figure.axes[0].texts]
    plt.close("all")


def test_check_refuses_a_name_it_does_not_grade():
    from checks.notebook import check, disagreement

    with pytest.raises(ValueError, match="names no check; choose one of: .*affine_backward"):
        check("affine_backwards", folder=ROOT / "solutions")
    with pytest.raises(TypeError, match="name should be the name of a graded function"):
        check(3)
    with pytest.raises(ValueError, match="is not a backward pass with a heat map"):
        disagreement("adam", ROOT / "solutions")


# --------------------------------------------------------------------------- Colab
def _colab_block():
    spec = importlib.util.spec_from_file_location("setup_cell", NOTEBOOKS / "setup_cell.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.SETUP.startswith(module.COLAB)  # the setup cell begins with it
    return module.COLAB


def _fake_colab(monkeypatch, mounted):
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    drive = types.ModuleType("google.colab.drive")
    drive.mount = mounted.append
    colab.drive, google.colab = drive, colab
    for name, module in (("google", google), ("google.colab", colab), ("google.colab.drive", drive)):
        monkeypatch.setitem(sys.modules, name, module)


def test_on_colab_the_setup_mounts_drive_goes_to_the_kit_and_installs_only_kit_and_data(tmp_path, monkeypatch):
    block = _colab_block()
    assert block.count('"/content/drive"') == 1
    drive = tmp_path / "content" / "drive"
    kit = drive / "MyDrive" / "dl-assignment"
    for sub in ("assignment", "checks", "notebooks"):
        (kit / sub).mkdir(parents=True)
    mounted, installed = [], []
    _fake_colab(monkeypatch, mounted)
    monkeypatch.setattr(subprocess, "run", lambda command, check: installed.append(command))
    monkeypatch.delenv("DL_KIT_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    exec(block.replace('"/content/drive"', repr(str(drive))), {"__name__": "__main__"})
    assert mounted == [str(drive)]
    assert Path.cwd() == kit / "notebooks"
    assert installed == [[sys.executable, "-m", "pip", "install", "--quiet", "-e", str(kit), "mlxtend"]]
    import os

    assert os.environ["DL_KIT_ROOT"] == str(kit)


def test_the_colab_folder_is_the_release_folder():
    from checks.instructor.release import RELEASE_ROOT

    assert f'FOLDERNAME = "{RELEASE_ROOT}"' in _colab_block()


def test_on_colab_a_wrong_foldername_says_what_to_set(tmp_path, monkeypatch):
    block = _colab_block()
    drive = tmp_path / "drive"
    (drive / "MyDrive").mkdir(parents=True)
    _fake_colab(monkeypatch, [])
    monkeypatch.setattr(subprocess, "run", lambda command, check: pytest.fail("installed without a kit"))
    with pytest.raises(FileNotFoundError, match="set FOLDERNAME at the top of this cell"):
        exec(block.replace('"/content/drive"', repr(str(drive))), {"__name__": "__main__"})


def test_off_colab_the_setup_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", None)  # import google.colab raises ImportError
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("ran a command off Colab"))
    monkeypatch.delenv("DL_KIT_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    exec(_colab_block(), {"__name__": "__main__"})
    import os

    assert Path.cwd() == tmp_path and "DL_KIT_ROOT" not in os.environ


def test_collect_from_the_notebooks_folder_says_where_the_zip_is(tmp_path):
    """`!python -m checks collect` in a Colab cell runs in notebooks/: the zip's full path is printed."""
    import shutil

    kit = tmp_path / "kit"
    for folder in ("checks", "assignment", "notebooks"):
        shutil.copytree(ROOT / folder, kit / folder, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "checks", "collect"], cwd=kit / "notebooks",
                          capture_output=True, text=True, env={"PYTHONPATH": str(kit), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert f"Wrote {kit / 'notebooks' / 'submission.zip'}:" in done.stdout
    assert (kit / "notebooks" / "submission.zip").is_file()


# --------------------------------------------------------------------------- given code
GIVEN = re.compile(r"\b(given|written for you|provided)\b", re.I)


def _markdown_sentences():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                text = " ".join("".join(cell["source"]).split())
                for sentence in re.split(r"(?<=[.!?:;])\s+", text):
                    yield path.name, sentence


def _stubbed(name):
    """Whether `name` (a function, a class or a path such as assignment/trainer.py) holds a stub."""
    stub = "is not implemented yet"
    if name.endswith(".py"):
        return stub in (ROOT / name).read_text()
    for path in sorted((ROOT / "assignment").glob("*.py")):
        source = path.read_text()
        found = re.search(rf"^(def|class) {re.escape(name)}\b.*?(?=^(def|class) |\Z)", source, re.M | re.S)
        if found:
            return stub in found.group(0)
    raise AssertionError(f"{name} is not defined in assignment/")


def test_what_the_notebooks_call_given_is_named_and_has_no_stub():
    sentences = [(n, s) for n, s in _markdown_sentences() if GIVEN.search(s)]
    assert sentences, "the notebooks name their given code"
    for notebook, sentence in sentences:
        names = [n for n in re.findall(r"`([^`]+)`", sentence)
                 if re.fullmatch(r"[A-Za-z_][\w/.]*", n) and n not in ("assignment", "checks")]
        assert names, f"{notebook}: {sentence!r} says given without naming what, in backquotes"
        for name in names:
            if "/" in name or re.fullmatch(r"[A-Za-z_]\w*", name):
                assert not _stubbed(name), f"{notebook} calls {name} given, but it is a stub: {sentence!r}"
