"""The student release: what it holds, what it must never hold, and that it installs and grades.

The search for leaked answers works on lines: every line of every solution block of
solutions/, whitespace-normalized, is searched for in every file of the archive (raw bytes,
the notebooks' cell sources) and in every file an installation compiles (.pyc), matched on
token boundaries (``cache = None`` does not match inside ``bn_cache = None``). A line is not
searched when students are given it anyway:
- it appears in assignment/ itself (given code, or a TODO comment that states it), or
- it is quoted in the feedback the public grader prints: a known mistake's hint (stored in
  fixtures/mistakes.bin) or a string (not a docstring) of the public checks' code. These are
  few, and the test keeps them few, so that the exemption cannot grow unnoticed.
"""
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checks import protocol
from checks.instructor.assign import find_blocks
from checks.reference import MISTAKES_FILE
from checks.instructor.release import RELEASE_ROOT, ReleaseError, build_release, release_contents, strip_notebook

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ("setup.cfg", "pyproject.toml")
MAX_QUOTED = 15  # solution lines that the public feedback may quote


def normalize(text: str) -> str:
    return " ".join(text.split())


def _assignment_lines():
    lines = set()
    for path in (ROOT / "assignment").glob("*.py"):
        lines |= {normalize(line) for line in path.read_text(encoding="utf-8").splitlines()}
    return lines


def _feedback_strings():
    """What the public grader may print: mistakes' titles and hints, and non-docstring strings of checks/."""
    texts = []
    for entries in protocol.decode(MISTAKES_FILE.read_bytes())[0].values():
        for entry in entries:
            texts += [str(entry.get("title", "")), str(entry.get("hint", ""))]
    for name, data in release_contents(check_sync=False).items():
        if not (name.startswith("checks/") and name.endswith(".py")):
            continue
        tree = ast.parse(data.decode("utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        texts += [node.value for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]
    return [normalize(text) for text in texts]


def _pattern(line: str) -> "re.Pattern[str]":
    return re.compile(r"(?<![\w.])" + re.escape(line) + r"(?![\w])")


def solution_lines():
    """(searched lines, lines exempted because the feedback quotes them)."""
    given = _assignment_lines()
    lines = set()
    for path in sorted((ROOT / "solutions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        text = source.splitlines()
        for block in find_blocks(source, path.stem):
            lines |= {normalize(line) for line in text[block.begin:block.end - 1]}
    lines = {line for line in lines if line and not any(_pattern(line).search(text) for text in given)}
    feedback = _feedback_strings()
    quoted = {line for line in lines if any(_pattern(line).search(text) for text in feedback)}
    return sorted(lines - quoted), sorted(quoted)


SEARCHED, QUOTED = solution_lines()
# One pattern for every line (longest first), so that a file is scanned once.
ANY_LINE = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(line) for line in sorted(SEARCHED, key=len, reverse=True))
                      + r")(?![\w])")


def leaks(name: str, data: bytes):
    """The solution lines found in one file's bytes (and, for a notebook, in its cells' sources)."""
    texts = [normalize(data.decode("latin-1"))]
    if name.endswith(".ipynb"):
        cells = json.loads(data.decode("utf-8")).get("cells", [])
        texts += [normalize("".join(cell.get("source", []))) for cell in cells]
        texts += [normalize(json.dumps(cell.get("outputs", []))) for cell in cells]
    return sorted({match.group(0) for text in texts for match in ANY_LINE.finditer(text)})


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "release.zip"
    names = build_release(out)
    folder = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    return out, names, folder / RELEASE_ROOT


def test_the_search_is_meaningful():
    assert len(SEARCHED) >= 100, "too few solution lines to search for"
    assert len(QUOTED) <= MAX_QUOTED, f"the public feedback quotes {len(QUOTED)} solution lines: {QUOTED}"
    # the search finds what it looks for: the solutions themselves, and a line inside a comment
    assert leaks("layers.py", (ROOT / "solutions" / "layers.py").read_bytes())
    assert leaks("x.py", f"# {SEARCHED[-1]}\n".encode())
    assert not leaks("x.py", (ROOT / "assignment" / "layers.py").read_bytes())


def test_release_holds_the_assignment_the_public_checks_and_a_readme(release):
    out, names, folder = release
    assert all(name.startswith(f"{RELEASE_ROOT}/") for name in names)
    inside = {name[len(RELEASE_ROOT) + 1:] for name in names}
    for path in (ROOT / "assignment").glob("*.py"):
        assert (folder / "assignment" / path.name).read_bytes() == path.read_bytes()
    assert {"README.md", "setup.cfg", "pyproject.toml", "checks/__main__.py", "checks/grader.py",
            "checks/collect.py", "checks/gradcheck.py", "checks/gradient_check.py", "checks/suite/layers.py",
            "checks/fixtures/reference.bin", "checks/fixtures/mistakes.bin"} <= inside
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"notebooks/{notebook.name}" in inside


def test_release_leaves_out_solutions_hidden_checks_mistakes_and_instructor_tools(release):
    out, names, folder = release
    for name in names:
        parts = name.split("/")[1:]
        assert "solutions" not in parts[0].lower(), name
        assert not {"instructor", "mistakes", "hidden", "__pycache__"} & set(parts), name
        assert not (parts[0] == "checks" and parts[-1] in {"assign.py", "fixtures.py", "release.py", "gradescope.py",
                                                            "batch.py"}), name
        assert parts[-1] != "hidden.bin" and not parts[-1].endswith((".pyc", ".pyo", ".so")), name
    released = {(folder / name.split("/", 1)[1]).read_bytes() for name in names}
    for path in sorted((ROOT / "solutions").glob("*.py")):
        if "# BEGIN SOLUTION" in path.read_text(encoding="utf-8"):  # given modules are copied as they are
            assert path.read_bytes() not in released, path.name


def test_notebooks_are_stripped_of_outputs(release):
    out, names, folder = release
    notebooks = sorted(folder.glob("notebooks/*.ipynb"))
    assert notebooks or not list((ROOT / "notebooks").glob("*.ipynb"))
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
                assert "execution" not in cell.get("metadata", {})


def test_strip_notebook_removes_outputs_and_keeps_sources():
    notebook = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Title"]},
        {"cell_type": "code", "metadata": {"execution": {"t": 1}, "tags": ["keep"]}, "execution_count": 7,
         "source": ["print(1)"], "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]},
    ], "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    stripped = json.loads(strip_notebook(json.dumps(notebook)))
    code = stripped["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None and code["metadata"] == {"tags": ["keep"]}
    assert code["source"] == ["print(1)"] and stripped["cells"][0] == notebook["cells"][0]
    assert stripped["metadata"] == notebook["metadata"]


def test_packaging_files_name_assignment_and_checks_only(release):
    out, names, folder = release
    for name in PACKAGING:
        text = (folder / name).read_text(encoding="utf-8")
        assert "solutions" not in text.lower(), name
        assert "mistakes" not in text.lower() and "hidden" not in text.lower(), name
    setup = (folder / "setup.cfg").read_text(encoding="utf-8")
    packages = setup.split("packages =", 1)[1].split("install_requires", 1)[0].split()
    assert packages == ["assignment", "checks", "checks.suite"]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for command in ("pip install -e .", "python -m checks", "python -m checks collect", "--only"):
        assert command in readme, command


def test_no_line_of_any_solution_is_in_the_archive(release):
    out, names, folder = release
    found = {}
    with zipfile.ZipFile(out) as archive:
        for info in archive.infolist():
            hits = leaks(info.filename, archive.read(info))
            if hits:
                found[info.filename] = hits
    raw = leaks("release.zip", out.read_bytes())  # compressed, but a stored entry would show
    assert not found and not raw, f"solution lines in the release: {found or raw}"


def test_a_stale_assignment_is_not_released(tmp_path):
    kit = tmp_path / "kit"
    for name in ("solutions", "assignment", "checks", "notebooks"):
        shutil.copytree(ROOT / name, kit / name, ignore=shutil.ignore_patterns("__pycache__"))
    with open(kit / "assignment" / "layers.py", "a", encoding="utf-8") as handle:
        handle.write("\n# edited by hand\n")
    with pytest.raises(ReleaseError, match="out of date"):
        release_contents(kit)


def test_cli_release(tmp_path):
    out = tmp_path / "r.zip"
    run = subprocess.run([sys.executable, "-m", "checks", "release", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert zipfile.is_zipfile(out) and "Wrote" in run.stdout
    usage = subprocess.run([sys.executable, "-m", "checks", "release"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2


def _run(args, cwd, timeout=120):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_release_installs_in_a_fresh_venv_grades_the_stubs_zero_and_compiles_to_nothing_secret(release, tmp_path):
    """As the README says: a venv, `pip install -e .`, `python -m checks` (CI runs this; it never skips)."""
    out, names, folder = release
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], cwd=folder)
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    install = _run([str(python), "-m", "pip", "install", "-q", "-e", "."], cwd=folder, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    graded = _run([str(python), "-m", "checks"], cwd=folder)
    assert graded.returncode == 0, graded.stderr
    assert "Total: 0 / 100" in graded.stdout
    assert graded.stdout.count("is not implemented yet (assignment/") >= 20
    # from another folder too: the editable install grades this folder's assignment/
    elsewhere = _run([str(python), "-m", "checks", "--only", "relu_forward"], cwd=tmp_path)
    assert elsewhere.returncode == 0 and "relu_forward is not implemented yet" in elsewhere.stdout, elsewhere.stderr
    # there are no hidden checks to include, and the instructor's commands say so
    hidden = _run([str(python), "-m", "checks", "--hidden"], cwd=folder).stdout
    assert "Total: 0 / 100" in hidden and "Note: --hidden: this is the student's copy" in hidden
    for command in ("fixtures", "assign", "release", "gradescope", "batch"):
        refused = _run([str(python), "-m", "checks", command] + (["x.zip"] if command in ("release", "gradescope") else ["."] if command == "batch" else []),
                       cwd=folder)
        assert refused.returncode == 2 and "instructor" in refused.stderr, (command, refused.stderr)
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    # compile everything the release holds, then search every compiled file as well
    compiled = _run([str(python), "-m", "compileall", "-q", "assignment", "checks", "notebooks"], cwd=folder)
    assert compiled.returncode == 0, compiled.stdout
    pycs = list(folder.rglob("*.pyc"))
    assert len(pycs) >= len([n for n in names if n.endswith(".py")])
    found = {str(p.relative_to(folder)): leaks(p.name, p.read_bytes()) for p in pycs}
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_the_bn_figure_command_runs_on_the_students_copy_and_stops_at_the_first_stub(release, tmp_path):
    """In the release there is no solutions/: bn_figure.py trains assignment/'s net, and says which stub stops it."""
    _, _, folder = release
    done = _run([sys.executable, "notebooks/bn_figure.py", "--quiet", "--out", str(tmp_path / "f.png"),
                 "--json", str(tmp_path / "f.json")], cwd=folder, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "No module named" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert "FullyConnectedNet.__init__ is not implemented yet (assignment/fc_net.py)" in done.stderr


def test_the_students_package_says_what_it_is(release):
    _, _, folder = release
    text = (folder / "assignment" / "__init__.py").read_text()
    assert "In ``assignment/``, the student's copy, each answer is a" in text
    assert not text.startswith('"""Reference solutions')
